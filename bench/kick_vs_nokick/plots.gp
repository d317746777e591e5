# Plots of the kick vs no-kick study (run.sh writes the .dat files next to
# results.csv first). PNG, small, for docs/results.md.
set terminal pngcairo size 720,420 font ",10" noenhanced
set key top left
set grid
set logscale x
set xlabel "MSI rate per vCPU (1/s)"

do for [b in "busy idle duty"] {
  f = sprintf("lat_%s.dat", b)
  if (system("test -s ".f." && echo 1") eq "1") {
    set output sprintf("latency_%s.png", b)
    set ylabel "latency (cycles = ns)"
    set logscale y
    set title sprintf("MSI latency vs rate, %s guests (era C, 1 vCPU per hart)", b)
    plot f u 1:2 w lp t "kick p50", f u 1:3 w lp t "kick p99", \
         f u 1:4 w lp t "nokick p50", f u 1:5 w lp t "nokick p99", \
         f u 1:6 w lp t "wake_first p50", f u 1:7 w lp t "wake_first p99"
    unset logscale y
    set output sprintf("lost_cycles_%s.png", b)
    set ylabel "guest cycles lost to kicks (per run)"
    set title sprintf("Guest cycles lost to kick exits, %s guests (kick policy)", b)
    plot f u 1:8 w lp t "cycles lost"
  }
}

unset logscale x
set xlabel "vCPUs per hart"
set ylabel "wake-ups per run"
do for [nz in "quiet noise"] {
  f = sprintf("wake_%s.dat", nz)
  set output sprintf("wakeups_%s.png", nz)
  set title sprintf("Wake-ups of idle guests at 10,000 MSI/s per vCPU (%s host, era C)", nz)
  plot f u 1:2 w lp t "kick: by the kick", f u 1:3 w lp t "kick: by SGEI", \
       f u 1:4 w lp t "kick: duplicate", f u 1:5 w lp t "kick: spurious", \
       f u 1:6 w lp t "nokick: by SGEI", f u 1:7 w lp t "nokick: spurious"
}

set output "lost_wakeups.png"
set style data histograms
set style fill solid 0.8
set xlabel "kernel era"
set ylabel "lost wake-ups (all runs)"
set title "Lost wake-ups by era and policy"
plot "lost.dat" u 2:xtic(1) t "kick", "" u 3 t "nokick", "" u 4 t "wake_first"
