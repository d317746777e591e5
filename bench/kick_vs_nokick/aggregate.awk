# Aggregates results.csv (run.sh) into small tables for plots.gp and
# results.md: means over seeds. Usage: awk -F, -v out=DIR -f aggregate.awk results.csv
# Columns: behaviour, oversub, noise, rate_per_vcpu, then the CSV of
# `aiasim run --csv` (scenario, seed, kernel, policy, point, msis, ...).
NR == 1 { next }
{
  beh = $1; os = $2; noise = $3; r = $4 + 0; era = $7; pol = $8
  k = beh SUBSEP os SUBSEP noise SUBSEP era SUBSEP pol SUBSEP r
  n[k]++
  p50[k] += $16; p99[k] += $18; lost[k] += $34; kexits[k] += $32; kipis[k] += $30
  wk[k] += $36; kw[k] += $31; dup[k] += $38; spur[k] += $37; hgei[k] += $35; ipis[k] += $29
  vmx[k] += $33; msis[k] += $10
  lw[era SUBSEP pol] += $13; li[era SUBSEP pol] += $14; runs[era SUBSEP pol]++
  rates[r] = 1; behs[beh] = 1; oss[os] = 1; pols[pol] = 1; eras[era] = 1
}
function m(a, k) { return n[k] ? a[k] / n[k] : 0 }
# Sorted keys of set S into array D (numeric or string order); returns count.
function sortkeys(S, D, numeric,   c, x, i, j, t) {
  c = 0
  for (x in S) D[++c] = x
  for (i = 2; i <= c; i++) {
    t = D[i]
    for (j = i - 1; j >= 1 && (numeric ? D[j] + 0 > t + 0 : D[j] > t); j--) D[j + 1] = D[j]
    D[j + 1] = t
  }
  return c
}
END {
  nr = sortkeys(rates, rs, 1)
  no = sortkeys(oss, os_, 1)
  # Latency and lost guest cycles vs rate: oversubscription 1, quiet, era C.
  for (b in behs) {
    f = out "/lat_" b ".dat"
    printf "# rate kick_p50 kick_p99 nokick_p50 nokick_p99 wake_first_p50 wake_first_p99 kick_lost_cycles kick_exits\n" > f
    for (i = 1; i <= nr; i++) {
      r = rs[i]
      if (!n[b SUBSEP "1" SUBSEP "quiet" SUBSEP "C" SUBSEP "nokick" SUBSEP r])
        continue  # not run (injector saturated)
      line = r
      split("kick nokick wake_first", P, " ")
      for (j = 1; j <= 3; j++) {
        k = b SUBSEP "1" SUBSEP "quiet" SUBSEP "C" SUBSEP P[j] SUBSEP r
        line = line " " m(p50, k) " " m(p99, k)
      }
      k = b SUBSEP "1" SUBSEP "quiet" SUBSEP "C" SUBSEP "kick" SUBSEP r
      line = line " " m(lost, k) " " m(kexits, k)
      print line > f
    }
    close(f)
  }
  # Wake-ups vs oversubscription: idle guests, 10,000/s, era C.
  for (nz = 0; nz < 2; nz++) {
    noise = nz ? "noise" : "quiet"
    f = out "/wake_" noise ".dat"
    printf "# oversub kick:by_kick kick:by_sgei kick:duplicate kick:spurious nokick:by_sgei nokick:spurious\n" > f
    for (i = 1; i <= no; i++) {
      o = os_[i]
      kk = "idle" SUBSEP o SUBSEP noise SUBSEP "C" SUBSEP "kick" SUBSEP 10000
      kn = "idle" SUBSEP o SUBSEP noise SUBSEP "C" SUBSEP "nokick" SUBSEP 10000
      print o, m(kw, kk), m(wk, kk) - m(kw, kk), m(dup, kk), m(spur, kk), m(wk, kn), m(spur, kn) > f
    }
    close(f)
  }
  # The host interrupt: idle guests, 1 vCPU per hart, quiet, era C.
  f = out "/hostirq.dat"
  printf "# rate msis | hgei_irqs ipis vm_exits for kick, nokick, wake_first\n" > f
  for (i = 1; i <= nr; i++) {
    r = rs[i]
    if (!n["idle" SUBSEP "1" SUBSEP "quiet" SUBSEP "C" SUBSEP "nokick" SUBSEP r])
      continue
    line = r " " m(msis, "idle" SUBSEP "1" SUBSEP "quiet" SUBSEP "C" SUBSEP "nokick" SUBSEP r)
    split("kick nokick wake_first", P, " ")
    for (j = 1; j <= 3; j++) {
      k = "idle" SUBSEP "1" SUBSEP "quiet" SUBSEP "C" SUBSEP P[j] SUBSEP r
      line = line " " m(hgei, k) " " m(ipis, k) " " m(vmx, k)
    }
    print line > f
  }
  close(f)
  # Lost wake-ups by era and policy: totals over every configuration.
  f = out "/lost.dat"
  printf "# era kick nokick wake_first (lost wake-ups, all runs) | lost interrupts\n" > f
  ne = sortkeys(eras, es, 0)
  for (i = 1; i <= ne; i++) {
    e = es[i]
    print e, lw[e SUBSEP "kick"] + 0, lw[e SUBSEP "nokick"] + 0, lw[e SUBSEP "wake_first"] + 0, \
          li[e SUBSEP "kick"] + 0, li[e SUBSEP "nokick"] + 0, li[e SUBSEP "wake_first"] + 0, \
          runs[e SUBSEP "kick"] + 0 > f
  }
  close(f)
}
