/**
 * The runfile's judge, in awk (busybox awk runs it on the target). Kept as a string so the
 * build carries it with the code; the program's own comments say what it does.
 */
export const EVALUATE_AWK = String.raw`# The runfile's judge: reads the checks file (recorded-checks.ts) and then the agent's
# messages (one JSON object per line, docs/guest-protocol.md), evaluates every check with the
# meaning core/src/result/expect.ts gives it, and prints the verdict and the metrics as one
# JSON object. Exit 0 pass, 1 fail. POSIX awk (busybox awk runs it): the messages are flat
# enough that a few patterns read them.
function num(s, key,    m) {
  if (match(s, "\"" key "\":-?[0-9]+")) { m = substr(s, RSTART, RLENGTH); sub(/^[^:]*:/, "", m); return m + 0 }
  return -1
}
function str(s, key,    m) {
  if (match(s, "\"" key "\":\"[^\"]*\"")) { m = substr(s, RSTART, RLENGTH); sub(/^[^:]*:"/, "", m); sub(/"$/, "", m); return m }
  return ""
}
function arr(s, key,    m) {
  if (match(s, "\"" key "\":\\[[^]]*\\]")) { m = substr(s, RSTART, RLENGTH); sub(/^[^[]*\[/, "", m); sub(/\]$/, "", m); return m }
  return ""
}
function jesc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, " ", s); return s }
# Whether every CPU of list a (comma-separated) is in list b; the first one outside in OUTSIDE.
function outside(a, b,    n, i, x, inb, out) {
  split(b, x, ","); delete inb
  for (i in x) inb[x[i]] = 1
  n = split(a, x, ","); out = ""
  for (i = 1; i <= n; i++) if (x[i] != "" && !(x[i] in inb)) out = out (out == "" ? "" : ",") x[i]
  return out
}
function who(c, i,    p) { p = PID[c SUBSEP i]; return "cgroup " c " worker " i (p != "" ? " (pid " p ")" : "") }
function where(st, cg) { return (st != "*" ? "step " st ": " : "") (cg != "*" ? "cgroup " cg ": " : "") }
# The samples a check sees: SC, SI, SIT, SRUN, STS, SMIG, SGAP, SCPU, SWL (1..NS).
function samples(st, cg, only,    i, k, n) {
  NS = 0
  if (st == "*") {
    for (i = 1; i <= NW; i++) {
      if ((cg != "*" && WC[i] != cg) || (only != "" && WC[i] != only)) continue
      NS++; SC[NS] = WC[i]; SI[NS] = WI[i]; SIT[NS] = WIT[i]; SRUN[NS] = WRUN[i]; STS[NS] = WTS[i]
      SMIG[NS] = WMIG[i]; SGAP[NS] = WGAP[i]; SCPU[NS] = WCPU[i]; SWL[NS] = WWL[i]; SMF[NS] = WMF[i]; SVS[NS] = WVS[i]
    }
    return
  }
  for (k = 1; k <= NSTEP; k++) if (STEPNAME[k] == st) break
  if (k > NSTEP) return
  n = STEPN[k]
  for (i = 1; i <= n; i++) {
    if ((cg != "*" && PC[k, i] != cg) || (only != "" && PC[k, i] != only)) continue
    NS++; SC[NS] = PC[k, i]; SI[NS] = PI[k, i]; SIT[NS] = PIT[k, i]; SRUN[NS] = PRUN[k, i]; STS[NS] = PTS[k, i]
    SMIG[NS] = PMIG[k, i]; SGAP[NS] = PGAP[k, i]; SCPU[NS] = PCPU[k, i]; SWL[NS] = "null"
  }
}
function failed(msg) { FAILMSG = msg; return 0 }
function evaluate(c,    t, st, cg, a1, a2, i, j, tot, lo, hi, g, s, o, r, k, checked, name, ng) {
  split(CHECK[c], t, " "); name = t[2]; st = t[3]; cg = t[4]; a1 = t[5]; a2 = (6 in t) ? t[6] : ""
  if (a1 == "none") a1 = ""
  if (cg != "*" && !(cg in CGSEEN)) return failed(where(st, "*") "no workers of cgroup " cg " reported")
  if (st != "*" && !(st in STEPSEEN)) return failed("step " st " did not run")
  W = where(st, cg)
  if (name == "noStall") {
    if (SCHEDEXIT != "") return failed(W "scheduler exited during " SCHEDEXIT)
    samples(st, cg, ""); if (NS == 0) return failed(W "no workers reported")
    s = ""; for (i = 1; i <= NS; i++) if (SIT[i] == 0) s = s (s == "" ? "" : ", ") who(SC[i], SI[i])
    if (s != "") return failed(W "no progress from " s)
    return 1
  }
  if (name == "gapBelowMs") {
    samples(st, cg, "")
    for (i = 1; i <= NS; i++) if (SGAP[i] / 1000 >= a1 + 0) return failed(W who(SC[i], SI[i]) " waited " sprintf("%.1f", SGAP[i] / 1000) " ms between iterations (limit " a1 " ms)")
    return 1
  }
  if (name == "everyWorkerIterationsAtLeast") {
    samples(st, cg, "")
    for (i = 1; i <= NS; i++) if (SIT[i] < a1 + 0) return failed(W who(SC[i], SI[i]) " made " SIT[i] " iterations < " a1)
    return 1
  }
  if (name == "iterationsAtLeast" || name == "migrationsBelow" || name == "migrationsAtLeast") {
    samples(st, cg, ""); tot = 0
    for (i = 1; i <= NS; i++) tot += (name == "iterationsAtLeast" ? SIT[i] : SMIG[i])
    if (name == "iterationsAtLeast" && tot < a1 + 0) return failed(W "total iterations " tot " < " a1)
    if (name == "migrationsBelow" && tot >= a1 + 0) {
      j = 0; for (i = 1; i <= NS; i++) if (j == 0 || SMIG[i] > SMIG[j]) j = i
      return failed(W tot " migrations >= " a1 (j ? " (most: " who(SC[j], SI[j]) " with " SMIG[j] ")" : ""))
    }
    if (name == "migrationsAtLeast" && tot < a1 + 0) return failed(W tot " migrations < " a1)
    return 1
  }
  if (name == "migrationRatioBelow") {
    samples(st, cg, "")
    for (i = 1; i <= NS; i++) { r = STS[i] > 0 ? SMIG[i] / STS[i] : 0; if (r >= a1 + 0) return failed(W who(SC[i], SI[i]) " migrated on " sprintf("%.3f", r) " of its timeslices (" SMIG[i] "/" STS[i] "; limit " a1 ")") }
    return 1
  }
  if (name == "spreadBelow") {
    # Cgroups in the order their first worker comes, as expect.ts goes through them.
    samples(st, cg, ""); delete G; ng = 0
    for (i = 1; i <= NS; i++) if (!(SC[i] in G)) { G[SC[i]] = 1; GORD[++ng] = SC[i] }
    for (k = 1; k <= ng; k++) {
      g = GORD[k]
      lo = -1; hi = -1; j = 0
      for (i = 1; i <= NS; i++) if (SC[i] == g) { j++; if (lo < 0 || SRUN[i] < SRUN[lo]) lo = i; if (hi < 0 || SRUN[i] > SRUN[hi]) hi = i }
      if (j < 2 || SRUN[hi] <= 0) continue
      s = (SRUN[hi] - SRUN[lo]) / SRUN[hi]
      if (s >= a1 + 0) return failed(W "cgroup " g " CPU-time spread " sprintf("%.3f", s) " >= " a1 ": " who(SC[lo], SI[lo]) " ran " sprintf("%.1f", SRUN[lo] / 1e6) " ms, " who(SC[hi], SI[hi]) " ran " sprintf("%.1f", SRUN[hi] / 1e6) " ms")
    }
    return 1
  }
  if (name == "wakeLatencyBelowUs" || name == "minorFaultsAtLeast" || name == "voluntarySwitchesAtLeast") {
    if (st != "*") return failed(W name " is reported per worker for the whole run, not per step; drop .inStep()")
    samples(st, cg, ""); tot = 0
    for (i = 1; i <= NS; i++) {
      if (name == "wakeLatencyBelowUs" && SWL[i] != "null" && SWL[i] + 0 >= a1 + 0) return failed(W who(SC[i], SI[i]) " p99 wake latency " SWL[i] " us >= " a1 " us")
      tot += (name == "minorFaultsAtLeast" ? SMF[i] : SVS[i])
    }
    if (name == "minorFaultsAtLeast" && tot < a1 + 0) return failed(W tot " minor faults < " a1)
    if (name == "voluntarySwitchesAtLeast" && tot < a1 + 0) return failed(W tot " voluntary context switches < " a1)
    return 1
  }
  if (name == "ranOnlyOn") {
    samples(st, cg, a2)
    if (NS == 0) return failed(W "no workers" (a2 != "" ? " of cgroup " a2 : "") " reported to check CPUs of")
    for (i = 1; i <= NS; i++) { o = outside(SCPU[i], a1); if (o != "") return failed(W who(SC[i], SI[i]) " ran on CPUs " o " outside " (a1 == "" ? "none" : a1)) }
    return 1
  }
  if (name == "ranOnlyOnItsCpuset") {
    checked = 0
    for (k = 1; k <= NSTEP; k++) {
      if (st != "*" && STEPNAME[k] != st) continue
      for (i = 1; i <= STEPN[k]; i++) {
        if ((a1 != "" && PC[k, i] != a1) || (cg != "*" && PC[k, i] != cg)) continue
        if (!((STEPNAME[k], PC[k, i]) in CPUSET)) return failed(W "cgroup " PC[k, i] " reported workers in step " STEPNAME[k] ", where the scenario has no such cgroup present")
        o = outside(PCPU[k, i], CPUSET[STEPNAME[k], PC[k, i]])
        if (o != "") return failed(W "in step " STEPNAME[k] ", " who(PC[k, i], PI[k, i]) " ran on CPUs " o " outside its cpuset = CPUs " CPUSET[STEPNAME[k], PC[k, i]])
        checked++
      }
    }
    if (checked == 0) return failed(W "no workers" (a1 != "" ? " of cgroup " a1 : "") " reported to check CPUs of")
    return 1
  }
  return failed("unknown check " name)
}
FNR == NR {
  # The checks file starts with a header line, so it is never empty and FNR == NR only holds for it.
  if ($1 == "CHECK") { NC++; CHECK[NC] = $0; TEXT[NC] = $0 }
  if ($1 == "CPUSET") CPUSET[$2, $3] = ($4 == "none" ? "" : $4)
  next
}
/^\{"type":"worker"/ {
  NW++; WC[NW] = str($0, "cgroup"); WI[NW] = num($0, "index"); WIT[NW] = num($0, "iterations"); WRUN[NW] = num($0, "run_ns")
  WTS[NW] = num($0, "timeslices"); WMIG[NW] = num($0, "migrations"); WGAP[NW] = num($0, "max_gap_us"); WCPU[NW] = arr($0, "cpus")
  WMF[NW] = num($0, "minflt"); WVS[NW] = num($0, "nvcsw"); WWL[NW] = ($0 ~ /"wake_latency_us_p99":null/) ? "null" : num($0, "wake_latency_us_p99")
  PID[WC[NW], WI[NW]] = num($0, "pid"); CGSEEN[WC[NW]] = 1
  next
}
/^\{"type":"step"/ && /"phase":"end"/ {
  NSTEP++; STEPNAME[NSTEP] = str($0, "name"); STEPSEEN[STEPNAME[NSTEP]] = 1
  body = $0; sub(/^.*"workers":\[/, "", body); sub(/\]\}$/, "", body)
  n = (body == "") ? 0 : split(body, ws, /\},\{/)
  STEPN[NSTEP] = n
  for (i = 1; i <= n; i++) {
    w = ws[i]; c = str(w, "cgroup"); x = num(w, "index"); key = c SUBSEP x
    PC[NSTEP, i] = c; PI[NSTEP, i] = x; PCPU[NSTEP, i] = arr(w, "cpus"); PGAP[NSTEP, i] = num(w, "max_gap_us")
    PIT[NSTEP, i] = num(w, "iterations") - ((key in LIT) ? LIT[key] : 0); NIT[key] = num(w, "iterations")
    PRUN[NSTEP, i] = num(w, "run_ns") - ((key in LRUN) ? LRUN[key] : 0); NRUN[key] = num(w, "run_ns")
    PTS[NSTEP, i] = num(w, "timeslices") - ((key in LTS) ? LTS[key] : 0); NTS[key] = num(w, "timeslices")
    PMIG[NSTEP, i] = num(w, "migrations") - ((key in LMIG) ? LMIG[key] : 0); NMIG[key] = num(w, "migrations")
    if (PIT[NSTEP, i] < 0) PIT[NSTEP, i] = 0
    if (PRUN[NSTEP, i] < 0) PRUN[NSTEP, i] = 0
    if (PTS[NSTEP, i] < 0) PTS[NSTEP, i] = 0
    if (PMIG[NSTEP, i] < 0) PMIG[NSTEP, i] = 0
    CGSEEN[c] = 1
  }
  # The next step's deltas are against this step's end, for the workers running at it.
  delete LIT; delete LRUN; delete LTS; delete LMIG
  for (key in NIT) { LIT[key] = NIT[key]; LRUN[key] = NRUN[key]; LTS[key] = NTS[key]; LMIG[key] = NMIG[key] }
  delete NIT; delete NRUN; delete NTS; delete NMIG
  next
}
/^\{"type":"sched_exit"/ { SCHEDEXIT = str($0, "phase") ": " str($0, "reason"); next }
/^\{"type":"ready"/ { READY = 1; SCHED = ($0 ~ /"scheduler":null/) ? "" : str($0, "scheduler"); next }
/^\{"type":"error"/ { ERRORS = ERRORS (ERRORS == "" ? "" : "; ") str($0, "what") ": " str($0, "message"); next }
/^\{"type":"done"/ { DONE = 1; DONEOK = ($0 ~ /"ok":true/); next }
END {
  verdict = "pass"; reason = ""
  # What fails a cell whatever the body checks: a scheduler exit, a run the agent reports failed.
  if (SCHEDEXIT != "") { verdict = "fail"; reason = "scheduler " SCHED " exited during " SCHEDEXIT }
  else if (!DONE) { verdict = "fail"; reason = "the agent's run was cut short (no done message)" }
  else if (!DONEOK) { verdict = "fail"; reason = "the agent reported failure: " (ERRORS == "" ? "no detail" : ERRORS) }
  out = ""
  for (c = 1; c <= NC; c++) {
    FAILMSG = ""
    ok = evaluate(c)
    if (verdict == "pass" && !ok) { verdict = "fail"; reason = FAILMSG }
    split(CHECK[c], t, " ")
    out = out (c > 1 ? "," : "") "{\"check\":\"" t[2] "\"" (t[3] != "*" ? ",\"step\":\"" jesc(t[3]) "\"" : "") (t[4] != "*" ? ",\"cgroup\":\"" jesc(t[4]) "\"" : "") ",\"ok\":" (ok ? "true" : "false") (ok ? "" : ",\"message\":\"" jesc(FAILMSG) "\"") "}"
  }
  tot = 0; gap = 0; mig = 0
  wjson = ""
  for (i = 1; i <= NW; i++) {
    tot += WIT[i]; mig += WMIG[i]; if (WGAP[i] > gap) gap = WGAP[i]
    wjson = wjson (i > 1 ? "," : "") "{\"cgroup\":\"" WC[i] "\",\"index\":" WI[i] ",\"iterations\":" WIT[i] ",\"run_ns\":" WRUN[i] ",\"migrations\":" WMIG[i] ",\"max_gap_us\":" WGAP[i] ",\"cpus\":[" WCPU[i] "]}"
  }
  printf "{\"verdict\":\"%s\"", verdict
  if (reason != "") printf ",\"reason\":\"%s\"", jesc(reason)
  printf ",\"checks\":[%s]", out
  printf ",\"metrics\":{\"totalIterations\":%d,\"worstGapMs\":%.3f,\"totalMigrations\":%d,\"workers\":[%s]}", tot, gap / 1000, mig, wjson
  printf "}\n"
  if (verdict != "pass") exit 1
  exit 0
}
`;
