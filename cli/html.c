/* cli/html.c: `aiasim run --html OUT.html`: one self-contained page (inline
 * SVG and CSS, no script, nothing fetched) with, for the first sweep point
 * the command runs: the MSI latency and wake-up latency distributions per
 * policy as CDFs, each hart's occupancy over time (guest / host / idle) per
 * policy, what the kick costs, and the verdict; for a sweep, the p99
 * latency of every point too.
 *
 * Every figure is an <svg class="figure"> inside a <section class="panel">;
 * every series is a <g class="series" data-name="...">, so a program can
 * check the page as well as a reader (tests/cli/check_html.py does).
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OCC_GUEST, OCC_HOST, OCC_IDLE };

int aia__cli_html_prepare(job *j)
{
  html_run *h = calloc(1, sizeof *h);
  if (h == NULL)
    return -1;
  aia_hist_init(&h->lat);
  aia_hist_init(&h->wlat);
  h->harts = j->scn->harts;
  h->nharts = h->harts < AIA_CLI_HTML_HARTS ? h->harts : AIA_CLI_HTML_HARTS;
  h->span = j->scn->duration + j->scn->drain;
  h->bin = (h->span + AIA_CLI_HTML_BINS - 1) / AIA_CLI_HTML_BINS;
  if (h->bin == 0)
    h->bin = 1;
  h->occ = calloc((size_t)h->nharts * AIA_CLI_HTML_BINS * 3, sizeof *h->occ);
  h->in_guest = calloc(h->nharts ? h->nharts : 1, 1);
  h->idle = calloc(h->nharts ? h->nharts : 1, 1);
  h->since = calloc(h->nharts ? h->nharts : 1, sizeof *h->since);
  if (h->occ == NULL || h->in_guest == NULL || h->idle == NULL || h->since == NULL) {
    j->html = h;
    aia__cli_html_free(j);
    return -1;
  }
  j->html = h;
  return 0;
}

void aia__cli_html_free(job *j)
{
  html_run *h = j->html;
  if (h == NULL)
    return;
  aia_hist_free(&h->lat);
  aia_hist_free(&h->wlat);
  free(h->occ);
  free(h->in_guest);
  free(h->idle);
  free(h->since);
  free(h);
  j->html = NULL;
}

static int occ_state(const html_run *h, uint32_t hart)
{
  return h->in_guest[hart] ? OCC_GUEST : h->idle[hart] ? OCC_IDLE : OCC_HOST;
}

/* Adds [from, to) of `state` on `hart` to the bins it covers. */
static void occ_add(html_run *h, uint32_t hart, int state, aia_cycle from, aia_cycle to)
{
  while (from < to) {
    uint64_t b = from / h->bin;
    aia_cycle end = (b + 1) * h->bin;
    if (b >= AIA_CLI_HTML_BINS - 1) {
      b = AIA_CLI_HTML_BINS - 1; /* the last bin takes whatever is left */
      end = to;
    }
    if (end > to)
      end = to;
    h->occ[((size_t)hart * AIA_CLI_HTML_BINS + b) * 3 + (size_t)state] += end - from;
    from = end;
  }
}

void aia__cli_html_hook(job *j, const aia_event *ev)
{
  html_run *h = j->html;
  uint32_t hart = ev->hart;
  if (hart >= h->nharts)
    return;
  uint8_t *flag;
  uint8_t value;
  switch (ev->kind) {
  case AIA_EV_VM_ENTRY:
    flag = h->in_guest, value = 1;
    break;
  case AIA_EV_VM_EXIT:
    flag = h->in_guest, value = 0;
    break;
  case AIA_EV_HART_IDLE:
    flag = h->idle, value = 1;
    break;
  case AIA_EV_HART_WAKE:
    flag = h->idle, value = 0;
    break;
  default:
    return;
  }
  if (flag[hart] == value)
    return;
  occ_add(h, hart, occ_state(h, hart), h->since[hart], ev->cycle);
  h->since[hart] = ev->cycle;
  flag[hart] = value;
}

void aia__cli_html_result(job *j, const aia_meter *m)
{
  html_run *h = j->html;
  if (aia_hist_merge(&h->lat, aia_meter_latency(m)) != AIA_OK ||
      aia_hist_merge(&h->wlat, aia_meter_wake_latency(m)) != AIA_OK)
    snprintf(j->err, sizeof j->err, "out of memory (the --html page's histograms)");
}

void aia__cli_html_finish(job *j, aia_cycle end)
{
  html_run *h = j->html;
  for (uint32_t k = 0; k < h->nharts; k++) {
    if (end > h->since[k])
      occ_add(h, k, occ_state(h, k), h->since[k], end);
    h->since[k] = end;
  }
  h->end = end;
}

/* ------------------------------------------------------------ drawing -- */

#define FIG_W 720
#define FIG_H 300
#define ML 64 /* margins: left, right, top, bottom */
#define MR 16
#define MT 26
#define MB 40

static const char *const pol_color[] = { "#1f5fa8", "#c8352b", "#2b8a3e" };
static const char *const occ_name[] = { "guest", "host", "idle" };
static const char *const occ_color[] = { "#2b8a3e", "#e8871e", "#d5d8dc" };

static const char *color_of(aia_policy p)
{
  return (unsigned)p < 3 ? pol_color[p] : "#555555";
}

/* Text for HTML and SVG: &, <, >, " escaped. */
static void esc(FILE *f, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f);
    }
  }
}

static double us_of(uint64_t cycles, uint64_t hz)
{
  return hz ? (double)cycles * 1e6 / (double)hz : 0.0;
}

/* A number for an axis label: no trailing zeros. */
static void num(char *buf, size_t len, double v)
{
  if (v != 0 && (fabs(v) >= 1e6 || fabs(v) < 1e-3))
    snprintf(buf, len, "%.0e", v);
  else
    snprintf(buf, len, "%.6g", v);
}

/* A step of 1, 2 or 5 times a power of ten giving about n intervals. */
static double nice_step(double range, int n)
{
  if (range <= 0)
    return 1;
  double raw = range / n, p = pow(10, floor(log10(raw))), m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void fig_open(FILE *f, const char *label, int height)
{
  fprintf(f, "<svg class=\"figure\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
             " viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
          FIG_W, height, FIG_W, height);
  esc(f, label);
  fputs("\">\n", f);
}

static void axis_box(FILE *f, int height, const char *xlabel, const char *ylabel)
{
  int y1 = height - MB;
  fprintf(f, "<rect class=\"frame\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", ML, MT,
          FIG_W - ML - MR, y1 - MT);
  fprintf(f, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", (ML + FIG_W - MR) / 2,
          height - 6);
  esc(f, xlabel);
  fputs("</text>\n", f);
  fprintf(f, "<text class=\"axis\" x=\"14\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 14 %d)\">",
          (MT + y1) / 2, (MT + y1) / 2);
  esc(f, ylabel);
  fputs("</text>\n", f);
}

static void xtick(FILE *f, int height, double x, const char *label)
{
  int y1 = height - MB;
  fprintf(f, "<line class=\"tick\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>", x, y1, x, y1 + 4);
  fprintf(f, "<text class=\"tl\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, y1 + 16,
          label);
}

static void ytick(FILE *f, double y, const char *label)
{
  fprintf(f, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>", ML, y, FIG_W - MR, y);
  fprintf(f, "<text class=\"tl\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n", ML - 4, y + 4,
          label);
}

static void legend(FILE *f, int i, const char *name, const char *color)
{
  int x = ML + 10 + i * 120;
  fprintf(f, "<rect x=\"%d\" y=\"6\" width=\"12\" height=\"12\" fill=\"%s\"/>", x, color);
  fprintf(f, "<text class=\"tl\" x=\"%d\" y=\"16\">", x + 16);
  esc(f, name);
  fputs("</text>\n", f);
}

/* The CDF of one latency histogram per policy, on a log time axis. */
static void cdf_figure(FILE *f, const char *label, const job *rows, uint32_t npol, bool wake,
                       uint64_t hz)
{
  const int h = FIG_H, y1 = h - MB;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (uint32_t k = 0; k < npol; k++) {
    const aia_hist *hs = wake ? &rows[k].html->wlat : &rows[k].html->lat;
    if (hs->count == 0)
      continue;
    if (hs->min < lo)
      lo = hs->min;
    if (hs->max > hi)
      hi = hs->max;
  }
  double llo, lhi;
  if (hi == 0) {
    llo = 0, lhi = 1;
  } else {
    llo = floor(log10(us_of(lo ? lo : 1, hz)));
    lhi = ceil(log10(us_of(hi, hz)));
    if (lhi <= llo)
      lhi = llo + 1;
  }
  fig_open(f, label, h);
  axis_box(f, h, "latency (us, log scale)", "fraction of samples at or below");
  /* Decades, and 2 and 5 times each when the axis spans few decades. */
  for (double d = llo; d <= lhi + 1e-9; d += 1) {
    static const double sub[] = { 1, 2, 5 };
    for (int m = 0; m < (lhi - llo <= 3 ? 3 : 1); m++) {
      double lv = d + log10(sub[m]);
      char b[32];
      if (lv > lhi + 1e-9)
        break;
      num(b, sizeof b, pow(10, lv));
      xtick(f, h, ML + (lv - llo) / (lhi - llo) * (FIG_W - ML - MR), b);
    }
  }
  for (int q = 0; q <= 4; q++) {
    char b[32];
    snprintf(b, sizeof b, "%.2f", q / 4.0);
    ytick(f, y1 - q / 4.0 * (y1 - MT), b);
  }
  for (uint32_t k = 0; k < npol; k++) {
    const aia_hist *hs = wake ? &rows[k].html->wlat : &rows[k].html->lat;
    const char *name = aia_policy_name(rows[k].policy);
    fprintf(f,
            "<g class=\"series\" data-name=\"%s\" data-count=\"%" PRIu64 "\" data-p50=\"%" PRIu64
            "\" data-p99=\"%" PRIu64 "\" data-max=\"%" PRIu64 "\">",
            name, hs->count, hs->count ? aia_hist_quantile(hs, 0.5) : 0,
            hs->count ? aia_hist_quantile(hs, 0.99) : 0, hs->count ? hs->max : 0);
    if (hs->count) {
      fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"",
              color_of(rows[k].policy));
      double px = -1, py = -1;
      for (int i = 0; i <= 200; i++) {
        double q = i / 200.0;
        uint64_t v = i == 0 ? hs->min : i == 200 ? hs->max : aia_hist_quantile(hs, q);
        double lv = log10(us_of(v ? v : 1, hz));
        double x = ML + (lv - llo) / (lhi - llo) * (FIG_W - ML - MR);
        double y = y1 - q * (y1 - MT);
        if (x < ML)
          x = ML;
        if (px >= 0 && x != px)
          fprintf(f, "%.1f,%.1f ", x, py); /* a step: along, then up */
        if (x != px || y != py)
          fprintf(f, "%.1f,%.1f ", x, y);
        px = x, py = y;
      }
      fputs("\"/>", f);
    }
    fputs("</g>\n", f);
    legend(f, (int)k, name, color_of(rows[k].policy));
  }
  fputs("</svg>\n", f);
}

/* One row per hart, three stacked areas (guest, host, idle) over time. */
static void occupancy_figure(FILE *f, const job *j, uint64_t hz)
{
  const html_run *h = j->html;
  const int rh = 16, gap = 3;
  const int height = MT + 6 + (int)h->nharts * (rh + gap) + MB;
  const int y0 = MT + 6;
  aia_cycle end = h->end ? h->end : 1;
  uint32_t nb = (uint32_t)((end + h->bin - 1) / h->bin);
  if (nb > AIA_CLI_HTML_BINS)
    nb = AIA_CLI_HTML_BINS;
  double xs = (double)(FIG_W - ML - MR) / (double)end;
  char label[96];
  snprintf(label, sizeof label, "hart occupancy over time, %s", aia_policy_name(j->policy));
  fig_open(f, label, height);
  axis_box(f, height, "simulated time (ms)", "");
  /* Time ticks in ms, about 5 intervals. */
  double ms = (double)end * 1e3 / (double)(hz ? hz : 1), st = nice_step(ms, 5);
  for (double t = 0; t <= ms * (1 + 1e-9); t += st) {
    char b[32];
    num(b, sizeof b, t);
    xtick(f, height, ML + t / ms * (FIG_W - ML - MR), b);
  }
  for (uint32_t k = 0; k < h->nharts; k++)
    fprintf(f, "<text class=\"tl\" x=\"%d\" y=\"%d\" text-anchor=\"end\">hart %u</text>\n", ML - 4,
            y0 + (int)k * (rh + gap) + rh - 4, k);
  for (int s = 0; s < 3; s++) {
    fprintf(f, "<g class=\"series\" data-name=\"%s\" fill=\"%s\">", occ_name[s], occ_color[s]);
    for (uint32_t k = 0; k < h->nharts; k++) {
      const uint64_t *o = &h->occ[(size_t)k * AIA_CLI_HTML_BINS * 3];
      double bottom = y0 + (int)k * (rh + gap) + rh;
      uint64_t tot = 0;
      for (uint32_t b = 0; b < AIA_CLI_HTML_BINS; b++)
        tot += o[b * 3 + (unsigned)s];
      fprintf(f, "<path data-hart=\"%u\" data-cycles=\"%" PRIu64 "\" d=\"", k, tot);
      /* Upper edge left to right, then the lower edge back; each bin's
       * edges are fractions of the time the bin covers. */
      for (int edge = 0; edge < 2; edge++) {
        for (uint32_t i = 0; i < nb; i++) {
          uint32_t b = edge == 0 ? i : nb - 1 - i;
          aia_cycle b0 = (aia_cycle)b * h->bin;
          aia_cycle b1 = b == nb - 1 ? end : b0 + h->bin;
          uint64_t len = o[b * 3] + o[b * 3 + 1] + o[b * 3 + 2], below = 0;
          for (int q = 0; q < s; q++)
            below += o[b * 3 + (unsigned)q];
          if (edge == 0)
            below += o[b * 3 + (unsigned)s];
          double y = bottom - (len ? (double)below / (double)len : 0.0) * rh;
          double xa = ML + (double)b0 * xs, xb = ML + (double)b1 * xs;
          if (edge == 0 && i == 0)
            fprintf(f, "M%.1f %.1f H%.1f ", xa, y, xb);
          else if (edge == 0)
            fprintf(f, "V%.1f H%.1f ", y, xb);
          else
            fprintf(f, "V%.1f H%.1f ", y, xa);
        }
      }
      fputs("Z\"/>", f);
    }
    fputs("</g>\n", f);
  }
  for (int s = 0; s < 3; s++)
    legend(f, s, occ_name[s], occ_color[s]);
  fputs("</svg>\n", f);
}

/* What the kick costs: per measure, one bar per policy, scaled to the
 * largest of the measure; the value is written above each bar. */
static void kick_figure(FILE *f, const job *rows, uint32_t npol, uint64_t hz)
{
  static const char *const measure[] = { "kick IPIs", "kick VM exits", "guest us lost to kicks",
                                         "IPIs (all)", "VM exits (all)" };
  enum { NM = 5 };
  const int h = FIG_H, y1 = h - MB, top = MT + 16;
  double v[3][NM];
  for (uint32_t k = 0; k < npol; k++) {
    const aia_result *r = &rows[k].res.r;
    v[k][0] = (double)r->kick_ipis;
    v[k][1] = (double)r->kick_exits;
    v[k][2] = us_of(r->guest_cycles_lost_to_kicks, hz);
    v[k][3] = (double)r->ipis;
    v[k][4] = (double)r->vm_exits;
  }
  fig_open(f, "what the kick costs", h);
  axis_box(f, h, "", "relative to the largest of each measure");
  double gw = (double)(FIG_W - ML - MR) / NM, bw = (gw - 20) / (npol ? npol : 1);
  for (int m = 0; m < NM; m++)
    fprintf(f, "<text class=\"tl\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
            ML + gw * m + gw / 2, y1 + 16, measure[m]);
  for (uint32_t k = 0; k < npol; k++) {
    fprintf(f, "<g class=\"series\" data-name=\"%s\" fill=\"%s\">", aia_policy_name(rows[k].policy),
            color_of(rows[k].policy));
    for (int m = 0; m < NM; m++) {
      double mx = 0;
      for (uint32_t q = 0; q < npol; q++)
        if (v[q][m] > mx)
          mx = v[q][m];
      double bh = mx > 0 ? v[k][m] / mx * (y1 - top) : 0;
      double x = ML + gw * m + 10 + bw * k;
      char b[32];
      num(b, sizeof b, m == 2 ? round(v[k][m] * 100) / 100 : v[k][m]);
      fprintf(f, "<rect data-measure=\"%d\" data-value=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\""
                 " height=\"%.1f\"/>",
              m, b, x, y1 - bh, bw - 2, bh);
      fprintf(f, "<text class=\"tl\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>",
              x + (bw - 2) / 2, y1 - bh - 3, b);
    }
    fputs("</g>\n", f);
    legend(f, (int)k, aia_policy_name(rows[k].policy), color_of(rows[k].policy));
  }
  fputs("</svg>\n", f);
}

/* p99 latency of every point of a sweep, one line per policy. */
static void sweep_figure(FILE *f, const job *rows, uint32_t npol, const html_point *pts, size_t npts,
                         uint64_t hz)
{
  const int h = FIG_H, y1 = h - MB;
  uint32_t pmin = UINT32_MAX, pmax = 0;
  uint64_t lmax = 0;
  for (size_t i = 0; i < npts; i++) {
    if (pts[i].point < pmin)
      pmin = pts[i].point;
    if (pts[i].point > pmax)
      pmax = pts[i].point;
    if (pts[i].p99 > lmax)
      lmax = pts[i].p99;
  }
  double ystep = nice_step(us_of(lmax, hz), 4), ymax = ystep * ceil(us_of(lmax, hz) / ystep);
  if (ymax <= 0)
    ymax = ystep = 1;
  double xspan = pmax > pmin ? (double)(pmax - pmin) : 1.0;
  fig_open(f, "p99 MSI latency per sweep point", h);
  axis_box(f, h, "sweep point", "p99 latency (us)");
  double xstep = nice_step(xspan, 5);
  if (xstep < 1)
    xstep = 1;
  for (double t = 0; t <= xspan * (1 + 1e-9); t += xstep) {
    char b[32];
    num(b, sizeof b, (double)pmin + t);
    xtick(f, h, ML + t / xspan * (FIG_W - ML - MR), b);
  }
  for (double t = 0; t <= ymax * (1 + 1e-9); t += ystep) {
    char b[32];
    num(b, sizeof b, t);
    ytick(f, y1 - t / ymax * (y1 - MT), b);
  }
  for (uint32_t k = 0; k < npol; k++) {
    aia_policy p = rows[k].policy;
    size_t n = 0;
    for (size_t i = 0; i < npts; i++)
      n += pts[i].policy == p;
    fprintf(f, "<g class=\"series\" data-name=\"%s\" data-points=\"%zu\">", aia_policy_name(p), n);
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"", color_of(p));
    for (size_t i = 0; i < npts; i++) {
      if (pts[i].policy != p)
        continue;
      double x = ML + (double)(pts[i].point - pmin) / xspan * (FIG_W - ML - MR);
      double y = y1 - us_of(pts[i].p99, hz) / ymax * (y1 - MT);
      fprintf(f, "%.1f,%.1f ", x, y);
    }
    fputs("\"/></g>\n", f);
    legend(f, (int)k, aia_policy_name(p), color_of(p));
  }
  fputs("</svg>\n", f);
}

static void summary_table(FILE *f, const job *rows, uint32_t npol, uint64_t hz)
{
  fputs("<table class=\"summary\"><tr><th></th>", f);
  for (uint32_t k = 0; k < npol; k++)
    fprintf(f, "<th>%s</th>", aia_policy_name(rows[k].policy));
  fputs("</tr>\n", f);
#define TROW(label, fmt, expr)                                                                     \
  do {                                                                                             \
    fputs("<tr><td>" label "</td>", f);                                                            \
    for (uint32_t k = 0; k < npol; k++) {                                                          \
      const aia_result *r = &rows[k].res.r;                                                        \
      (void)r;                                                                                     \
      fprintf(f, "<td>" fmt "</td>", expr);                                                        \
    }                                                                                              \
    fputs("</tr>\n", f);                                                                           \
  } while (0)
  TROW("MSIs", "%" PRIu64, r->msis);
  TROW("latency p50 (us)", "%.2f", us_of(r->latency.p50, hz));
  TROW("latency p99 (us)", "%.2f", us_of(r->latency.p99, hz));
  TROW("wake latency p99 (us)", "%.2f", us_of(r->wake_latency.p99, hz));
  TROW("kick IPIs", "%" PRIu64, r->kick_ipis);
  TROW("guest cycles lost to kicks", "%" PRIu64, r->guest_cycles_lost_to_kicks);
  TROW("lost wake-ups", "%" PRIu64, r->lost_wakeups);
  TROW("lost interrupts", "%" PRIu64, r->lost_interrupts);
#undef TROW
  fputs("</table>\n", f);
}

static const char css[] =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:760px;color:#222}"
    "h1{font-size:1.3em}h2{font-size:1.05em;margin:1.4em 0 .3em}"
    ".meta{color:#555;font-size:.9em}.verdict{font-weight:bold;padding:.5em;border-left:4px solid #1f5fa8;background:#f2f5fa}"
    ".frame{fill:none;stroke:#888}.grid{stroke:#e3e3e3}.tick{stroke:#888}"
    ".tl{font-size:11px;fill:#333}.axis{font-size:12px;fill:#222}"
    "table.summary{border-collapse:collapse;font-size:.9em}"
    "table.summary td,table.summary th{border:1px solid #ccc;padding:.2em .6em;text-align:right}"
    "table.summary td:first-child{text-align:left}";

void aia__cli_write_html(FILE *f, const aia_scenario *base, const job *rows, uint32_t npol,
                         const html_point *pts, size_t npts)
{
  uint64_t hz = base->clock_hz;
  char verdict[512];
  size_t npoints = npol ? npts / npol : 0;
  aia__cli_verdict(verdict, sizeof verdict, rows, npol);
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>aiasim: ", f);
  esc(f, base->name);
  fprintf(f, "</title><style>%s</style></head>\n<body>\n<h1>aiasim run: scenario ", css);
  esc(f, base->name);
  fprintf(f, "</h1>\n<p class=\"meta\">aiasim %s, seed %" PRIu64 ", kernel era %s, clock %" PRIu64
             " Hz, %.3f ms simulated and %.3f ms of drain",
          aia_version_string(), base->seed, aia_era_name(base->kernel), hz,
          hz ? (double)base->duration * 1e3 / (double)hz : 0.0,
          hz ? (double)base->drain * 1e3 / (double)hz : 0.0);
  if (npoints > 1)
    fprintf(f, "; %zu sweep points run, the panels show point %u except the last", npoints,
            rows[0].point);
  fputs(".</p>\n<p class=\"verdict\" id=\"verdict\">", f);
  esc(f, verdict);
  fputs("</p>\n", f);
  summary_table(f, rows, npol, hz);

  fputs("<section class=\"panel\" id=\"latency\"><h2>MSI latency: device write to guest claim</h2>\n", f);
  cdf_figure(f, "MSI latency CDF per policy", rows, npol, false, hz);
  fputs("</section>\n", f);
  fputs("<section class=\"panel\" id=\"wake_latency\"><h2>Wake-up latency of blocked vCPUs: MSI to"
        " guest entry</h2>\n", f);
  cdf_figure(f, "wake-up latency CDF per policy", rows, npol, true, hz);
  fputs("</section>\n", f);
  for (uint32_t k = 0; k < npol; k++) {
    const html_run *h = rows[k].html;
    fprintf(f, "<section class=\"panel occupancy\" id=\"occupancy-%s\"><h2>Harts over time, %s",
            aia_policy_name(rows[k].policy), aia_policy_name(rows[k].policy));
    if (h->nharts < h->harts)
      fprintf(f, " (harts 0 to %u of %u)", h->nharts - 1, h->harts);
    fputs("</h2>\n", f);
    occupancy_figure(f, &rows[k], hz);
    fputs("</section>\n", f);
  }
  fputs("<section class=\"panel\" id=\"kick_cost\"><h2>What the kick costs</h2>\n", f);
  kick_figure(f, rows, npol, hz);
  fputs("</section>\n", f);
  if (npoints > 1) {
    fputs("<section class=\"panel\" id=\"sweep\"><h2>p99 latency across the sweep</h2>\n", f);
    sweep_figure(f, rows, npol, pts, npts, hz);
    fputs("</section>\n", f);
  }
  fputs("</body></html>\n", f);
}
