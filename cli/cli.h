/* cli/cli.h: what the command's files share.
 * SPDX-License-Identifier: MIT */
#ifndef AIA_CLI_H
#define AIA_CLI_H

#define AIA_CLI_EXIT_EXPECT 1
#define AIA_CLI_EXIT_INPUT 2
#define AIA_CLI_EXIT_INTERNAL 3

/* `aiasim explore ...` (argv[1] is "explore"); returns the exit status. */
int aia__cli_explore(int argc, char **argv);

#endif /* AIA_CLI_H */
