"""The Markdown report of bench/run-matrix: machine, limits, one table per
Silo layout with the peer's figure, the ratios and the targets of issue 4,
and the 4-node cluster next to the single node with its two goals."""

MiB = 1 << 20
GiB = 1 << 30

# case -> (what is compared, unit); the figure comes from the bench JSON.
METRIC = {
    "put-4KiB": ("ops_per_s", "ops/s"), "get-4KiB": ("ops_per_s", "ops/s"),
    "put-1MiB": ("mib_per_s", "MiB/s"), "get-1MiB": ("mib_per_s", "MiB/s"),
    "put-64MiB": ("mib_per_s", "MiB/s"), "get-64MiB": ("mib_per_s", "MiB/s"),
    "stat-4KiB": ("ops_per_s", "ops/s"), "delete-4KiB": ("ops_per_s", "ops/s"),
    "list-flat": ("keys_per_s", "keys/s"), "list-walk": ("keys_per_s", "keys/s"),
    "list-root": ("seconds", "s"), "list-million": ("seconds", "s"),
}

CASE_TITLE = {
    "put-4KiB": "PUT 4 KiB ×32", "get-4KiB": "GET 4 KiB ×32",
    "put-1MiB": "PUT 1 MiB ×16", "get-1MiB": "GET 1 MiB ×16",
    "put-64MiB": "PUT 64 MiB ×4", "get-64MiB": "GET 64 MiB ×4",
    "stat-4KiB": "STAT 4 KiB ×32", "delete-4KiB": "DELETE 4 KiB ×32",
    "list-flat": "LIST all, flat", "list-walk": "LIST all, delimiter walk",
    "list-root": "LIST top level, delimiter", "list-million": "LIST 1,000,000 keys, flat",
}


def figure(result, case):
    """The compared number of a case result, or None when it failed."""
    if not result or result.get("failed"):
        return None
    key, _ = METRIC[case]
    return result.get(key)


def fmt_num(v, unit=""):
    if v is None:
        return "n/a"
    if unit == "s":
        return f"{v * 1e3:.1f} ms" if v < 1 else f"{v:.2f} s"
    if v >= 100:
        text = f"{v:,.0f}"
    elif v >= 10:
        text = f"{v:.1f}"
    else:
        text = f"{v:.2f}"
    return f"{text} {unit}".strip()


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}×"


def fmt_bytes(n):
    return "n/a" if n is None else f"{n / MiB:,.0f} MiB"


def ratio(a, b):
    return a / b if a is not None and b else None


def limit_of(case, limits):
    """(the machine limit a case is compared with, its description)."""
    nginx = limits.get("nginx", {})
    disk = limits.get("disk", {}).get("buffered_fsync", {})
    if case in ("put-4KiB", "get-4KiB", "stat-4KiB", "delete-4KiB"):
        return nginx.get("4KiB", {}).get("req_per_s"), "nginx 4 KiB req/s"
    if case.startswith("get-"):
        return nginx.get("1MiB", {}).get("mib_per_s"), "nginx 1 MiB MiB/s"
    if case.startswith("put-"):
        return disk.get("mib_per_s"), "disk write+fsync"
    return None, ""


def check(ok):
    return "n/a" if ok is None else ("✓" if ok else "✗")


def targets(layout, case, silo, peer, limits, one_drive):
    """(target text, met: True/False/None) of issue 4 for one case."""
    disk = limits.get("disk", {}).get("buffered_fsync", {}).get("mib_per_s")
    nginx_1m = limits.get("nginx", {}).get("1MiB", {}).get("mib_per_s")
    if layout == 1:
        by_peer = {"put-4KiB": 10, "get-4KiB": 10, "put-1MiB": 3, "get-1MiB": 3, "list-flat": 20}
        if case in by_peer:
            r = ratio(silo, peer)
            return f"≥ {by_peer[case]}× s3rver", None if r is None else r >= by_peer[case]
        if case == "put-64MiB":
            r = ratio(silo, disk)
            return "≥ 60 % of disk write+fsync", None if r is None else r >= 0.6
        if case == "get-64MiB":
            r = ratio(silo, nginx_1m)
            return "≥ 50 % of nginx 1 MiB", None if r is None else r >= 0.5
        if case == "list-million":
            return "< 10 s", None if silo is None else silo < 10
    elif case in ("put-64MiB", "get-64MiB"):
        share = 0.5 if case == "put-64MiB" else 0.8
        r = ratio(silo, figure(one_drive.get(case), case))
        return f"≥ {share:.0%} of 1 drive", None if r is None else r >= share
    return "", None


# The cluster's goals: its figure as a share of the single node's (4 drives,
# EC 2+2: the fair comparison; 1 drive when only that layout ran).
CLUSTER_GOALS = {"put-4KiB": 0.5, "get-64MiB": 0.7}


def single_reference(silo):
    """(layout, cases) of the single node the cluster is compared with."""
    for drives in (4, 1):
        if drives in silo:
            return drives, silo[drives].get("cases", {})
    if silo:
        drives = sorted(silo)[-1]
        return drives, silo[drives].get("cases", {})
    return None, {}


def layout_name(drives):
    return "1 drive" if drives == 1 else f"{drives} drives (EC {drives // 2}+{drives // 2})"


def cluster_title(cluster):
    n, d = cluster.get("nodes", 4), cluster.get("drives_per_node", 2)
    return f"{n}-node cluster ({n} × {d} drives, EC {n * d // 2}+{n * d // 2})"


def cluster_goals(cluster, silo):
    """[(case, cluster figure, single figure, ratio, goal share, met)]."""
    ref_drives, ref = single_reference(silo)
    cases = cluster.get("cases", {}) if cluster else {}
    out = []
    for case, share in CLUSTER_GOALS.items():
        c = figure(cases.get(case), case)
        one = figure(ref.get(case), case)
        r = ratio(c, one)
        out.append((case, c, one, r, share, None if r is None else r >= share))
    return ref_drives, out


def per_node(result, case):
    nodes = (result or {}).get("nodes")
    if not nodes:
        return ""
    key, _ = METRIC[case]
    return " / ".join("failed" if n.get("failed") or n.get(key) is None else fmt_num(n[key])
                      for n in nodes)


def cluster_section(cluster, silo):
    """The cluster's table next to the single node's figures, and its goals."""
    title = cluster_title(cluster)
    out = [f"## Silo, {title}", ""]
    if cluster.get("failed"):
        return out + [f"The cluster did not run: {cluster['failed']}", ""], \
            [(f"cluster: {CASE_TITLE[c]} ≥ {g:.0%} of single node", None)
             for c, g in CLUSTER_GOALS.items()]
    ref_drives, goals = cluster_goals(cluster, silo)
    one = silo.get(1, {}).get("cases", {})
    four = silo.get(4, {}).get("cases", {})
    cases = cluster.get("cases", {})
    lines = ["| case | cluster (sum of 4 nodes) | p50 / p99 ms | per node | "
             "single node, 4 drives (EC 2+2) | cluster ÷ 4 drives | single node, 1 drive | "
             "cluster ÷ 1 drive | goal | met |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|:-:|"]
    goal_of = {g[0]: g for g in goals}
    for case in METRIC:
        if case not in cases:
            continue
        unit = METRIC[case][1]
        c = figure(cases[case], case)
        a, b = figure(one.get(case), case), figure(four.get(case), case)
        if unit == "s":  # a time: the ratio is how many times faster
            r1, r4 = ratio(a, c), ratio(b, c)
        else:
            r1, r4 = ratio(c, a), ratio(c, b)
        note = cases[case].get("note", "")
        c_text = fmt_num(c, unit) + (f" ({note})" if note else "")
        if case in ("list-flat", "list-walk") and c is not None:
            c_text += f" (all in {fmt_num(cases[case]['seconds'], 's')})"
        goal, met = "", ""
        if case in goal_of:
            _, _, _, _, share, ok = goal_of[case]
            goal = f"≥ {share:.0%} of single node" + (f", {layout_name(ref_drives)}"
                                                     if ref_drives else "")
            met = check(ok)
        fmt_r = (lambda r: "n/a" if r is None else f"{r:.0%}") if unit != "s" else fmt_ratio
        lines.append(f"| {CASE_TITLE[case]} | {c_text} | {latency(cases[case])} | "
                     f"{per_node(cases[case], case)} | "
                     f"{fmt_num(b, unit) if four else 'not run'} | {fmt_r(r4) if four else ''} | "
                     f"{fmt_num(a, unit) if one else 'not run'} | {fmt_r(r1) if one else ''} | "
                     f"{goal} | {met} |")
    out += lines + [""]
    ref_name = f"single node, {layout_name(ref_drives)}" if ref_drives else "single node"
    out += ["Goals (cluster ÷ single node; the single node is the 4-drive EC 2+2 layout when "
            "it ran):", ""]
    verdicts = []
    for case, c, one_fig, r, share, ok in goals:
        unit = METRIC[case][1]
        state = {True: "**met**", False: "**not met**", None: "not measured"}[ok]
        out.append(f"- 4-node {CASE_TITLE[case]} {fmt_num(c, unit)} ÷ {ref_name} "
                   f"{fmt_num(one_fig, unit)} = {'n/a' if r is None else f'{r:.0%}'} "
                   f"(goal ≥ {share:.0%}): {state}")
        verdicts.append((f"cluster: {CASE_TITLE[case]} ≥ {share:.0%} of {ref_name}", ok))
    out.append("")
    if cluster.get("list"):
        out += [list_note(cluster["list"], None, ""), ""]
    return out, verdicts


def latency(result):
    if not result or result.get("failed") or "latency_ms" not in result:
        return ""
    lat = result["latency_ms"]
    return f"{lat['p50']:.2f} / {lat['p99']:.2f}"


def layout_table(layout, results, peer_results, limits, one_drive, peer_name):
    lines = [f"| case | Silo | p50 / p99 ms | {peer_name} | × {peer_name} | vs limit | "
             "target | met |", "|---|---:|---:|---:|---:|---|---|:-:|"]
    verdicts = []
    for case in METRIC:
        if case not in results:
            continue
        unit = METRIC[case][1]
        silo = figure(results[case], case)
        peer = figure(peer_results.get(case), case) if peer_results else None
        r_peer = ratio(silo, peer)
        if unit == "s":  # a time: the ratio is how many times faster
            r_peer = ratio(peer, silo)
        lim, lim_name = limit_of(case, limits)
        vs_limit = f"{ratio(silo, lim):.0%} of {lim_name}" if ratio(silo, lim) is not None else ""
        target, met = targets(layout, case, silo, peer, limits, one_drive)
        if target:
            verdicts.append((case, met))
        note = results[case].get("note", "")
        silo_text = fmt_num(silo, unit)
        if case in ("list-flat", "list-walk") and silo is not None:
            silo_text += f" (all in {fmt_num(results[case]['seconds'], 's')})"
        silo_text += f" ({note})" if note else ""
        peer_text = fmt_num(peer, unit) if peer_results else "not run"
        if case in ("list-flat", "list-walk") and peer is not None:
            peer_text += f" (all {peer_results[case]['entries']:,} in " \
                         f"{fmt_num(peer_results[case]['seconds'], 's')})"
        if peer_results and peer_results.get(case, {}).get("note"):
            peer_text += f" ({peer_results[case]['note']})"
        lines.append(f"| {CASE_TITLE[case]} | {silo_text} | {latency(results[case])} | "
                     f"{peer_text} | {fmt_ratio(r_peer)} | {vs_limit} | {target} | "
                     f"{check(met) if target else ''} |")
    return lines, verdicts


def machine_lines(m):
    return [f"- Date: {m['date']}",
            f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']:.1f} GiB RAM, "
            f"kernel {m['kernel']}, {m['os']}",
            f"- Drives' filesystem: {m['filesystem']} (temporary folders under {m['tmp']})",
            f"- Load average at start: {m['load_start']}; at end: {m['load_end']} "
            "(the machine is shared; other work skews figures)",
            f"- Silo commit: {m['commit']}; tools: {m['tools']}",
            f"- Command: `{m['command']}`; each case {m['duration']} s"]


def limits_table(limits):
    disk = limits.get("disk", {})
    nginx = limits.get("nginx", {})
    loopback = limits.get("loopback", {})
    rows = [("Loopback TCP (iperf3, 1 stream)",
             fmt_num(loopback.get("mib_per_s"), "MiB/s")
             + (f" ({loopback['note']})" if loopback.get("note") else ""), "—")]
    if disk:
        b, d, f = disk["buffered_fsync"], disk["direct_fsync"], disk["fsync_latency"]
        rows += [(f"Disk seq. write, buffered + fsync (dd {b['mib']} MiB)",
                  fmt_num(b["mib_per_s"], "MiB/s"), "~717 MiB/s (0.7 GiB/s)"),
                 (f"Disk seq. write, O_DIRECT + fsync (dd {d['mib']} MiB)",
                  fmt_num(d["mib_per_s"], "MiB/s"), "~1,843 MiB/s (1.8 GiB/s)"),
                 ("fsync latency, 4 KiB write + fdatasync (p50 / p99)",
                  f"{f['p50_ms']:.2f} / {f['p99_ms']:.2f} ms", "—")]
    for name, ref in (("4KiB", "~185,000 req/s"), ("1MiB", "~3,584 MiB/s (3.5 GiB/s)")):
        n = nginx.get(name)
        if n:
            rows.append((f"nginx {name[:-3]} {name[-3:]} static file, wrk ×{n['connections']}",
                         f"{n['req_per_s']:,.0f} req/s = {n['mib_per_s']:,.0f} MiB/s", ref))
    lines = ["| limit | measured | reference (issue 4) |", "|---|---:|---:|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return lines


PEER_REFERENCE = [("put-4KiB", "~940 ops/s (×16)"), ("get-4KiB", "~1,900 ops/s (×16)"),
                  ("put-1MiB", "~143 MiB/s"), ("get-1MiB", "~340 MiB/s"),
                  ("put-64MiB", "~225 MiB/s"), ("get-64MiB", "~570 MiB/s"),
                  ("list-flat", "~10,000 keys/s")]


def memory_lines(layouts):
    lines = ["| layout | RSS idle after start | RSS peak through the matrix | RSS idle at end | "
             "target | met |", "|---|---:|---:|---:|---|:-:|"]
    verdicts = []
    for name, r in layouts:
        rss = r.get("rss", {})
        idle, peak = rss.get("idle_start"), rss.get("peak")
        ok_idle = None if idle is None else idle < 150 * MiB
        ok_peak = None if peak is None else peak < GiB
        verdicts += [(f"{name} idle RSS", ok_idle), (f"{name} peak RSS", ok_peak)]
        if rss.get("processes", 1) > 1:  # a cluster: no single-server target
            each = ", ".join(fmt_bytes(x) for x in rss.get("peak_per_process", []))
            lines.append(f"| {name} | {fmt_bytes(idle)} | {fmt_bytes(peak)} (per node: {each}) | "
                         f"{fmt_bytes(rss.get('idle_end'))} | — | |")
            continue
        lines.append(f"| {name} | {fmt_bytes(idle)} | {fmt_bytes(peak)} | "
                     f"{fmt_bytes(rss.get('idle_end'))} | idle < 150 MiB, peak < 1 GiB | "
                     f"{check(ok_idle)} {check(ok_peak)} |")
    return lines, verdicts


def render(machine, limits, silo, peer, peer_name, notes, quick, cluster=None):
    """silo: {layout drives: {'cases': {case: result}, 'rss': {...}, ...}};
    cluster: the same for the 4-node cluster (None when not run)."""
    out = ["# Silo benchmark matrix", ""]
    if quick:
        out += ["**Quick smoke run (--quick): short cases and a small LIST bucket; "
                "the figures are not representative.**", ""]
    out += machine_lines(machine) + [""]
    out += ["## Machine limits (measured in this run)", ""] + limits_table(limits) + [""]
    all_verdicts = []
    one_drive = silo.get(1, {}).get("cases", {})
    for drives, r in sorted(silo.items()):
        title = "1 drive" if drives == 1 else f"{drives} drives (EC {drives // 2}+{drives // 2})"
        out += [f"## Silo, {title}", ""]
        peer_cases = peer.get("cases") if peer else None
        lines, verdicts = layout_table(drives, r["cases"], peer_cases, limits, one_drive,
                                       peer_name)
        out += lines + [""]
        all_verdicts += [(f"{title}: {CASE_TITLE[c]}", ok) for c, ok in verdicts]
        if r.get("list"):
            out += [list_note(r["list"], peer.get("list") if peer else None, peer_name), ""]
    if cluster:
        lines, verdicts = cluster_section(cluster, silo)
        out += lines
        all_verdicts += verdicts
    layouts = [("1 drive" if d == 1 else f"{d} drives", r) for d, r in sorted(silo.items())]
    if cluster and cluster.get("rss"):
        layouts.append(("4-node cluster (sum of 4 processes)", cluster))
    if peer:
        layouts.append((peer_name, peer))
    mem, verdicts = memory_lines(layouts)
    # The RSS targets are a single server's: not the peer's, nor the cluster's sum.
    all_verdicts += [(n, ok) for n, ok in verdicts
                     if not n.startswith(peer_name) and not n.startswith("4-node")]
    out += ["## Memory (server RSS from /proc/PID/status, sampled every 0.5 s)", ""] + mem + [""]
    if peer:
        out += [f"## {peer_name}: measured here vs the issue's reference", "",
                f"| case | {peer_name} measured | reference |", "|---|---:|---:|"]
        for case, ref in PEER_REFERENCE:
            v = figure(peer["cases"].get(case), case)
            out.append(f"| {CASE_TITLE[case]} | {fmt_num(v, METRIC[case][1])} | {ref} |")
        out.append("")
    met = sum(1 for _, ok in all_verdicts if ok)
    missed = [n for n, ok in all_verdicts if ok is False]
    unknown = [n for n, ok in all_verdicts if ok is None]
    out += ["## Targets", "", f"{met} of {len(all_verdicts)} targets met."]
    if missed:
        out += ["", "Missed: " + "; ".join(missed) + "."]
    if unknown:
        out += ["", "Not measured: " + "; ".join(unknown) + "."]
    out += ["", "## How it was measured", ""] + HOW + notes + [""]
    return "\n".join(out)


def list_note(lst, peer_lst, peer_name):
    text = (f"LIST bucket: {lst['keys']:,} empty objects in {lst['dirs']} folders "
            f"(`dNNNN/kNNNNNNNN`), filled in {lst['fill_s']:.1f} s "
            f"({lst['keys'] / lst['fill_s']:,.0f} PUT/s, {lst['fill_clients']} clients)")
    for mode in ("flat", "walk", "root"):
        m = lst.get(mode)
        if m:
            if m.get("failed"):
                text += f"; {mode}: failed ({m.get('why', '')[:200]})"
                continue
            text += (f"; {mode}: {m['entries']:,} entries in {fmt_num(m['seconds'], 's')} "
                     f"({m['pages']} page{'s' if m['pages'] > 1 else ''}, "
                     f"median of {m['runs']})")
    if lst.get("million"):
        m = lst["million"]
        text += (f"; 1,000,000 keys filled in {m['fill_s']:.0f} s, listed flat in "
                 f"{m['seconds']:.2f} s")
    if peer_lst:
        text += (f". {peer_name}: {peer_lst['keys']:,} keys (filled in "
                 f"{peer_lst['fill_s']:.1f} s); its ratio compares keys per second")
    return text + "."


HOW = [
    "- Silo: `silo server` on fresh folders under the temp folder (1 folder; 4 folders = one "
    "erasure set EC 2+2), loopback port, root credentials from the environment. "
    "Every PUT/GET/STAT/DELETE case is one `silo bench OP --size S --concurrency C "
    "--duration D --json` (libcurl, keep-alive, every GET verified byte for byte); the raw "
    "JSON of each run is kept in the run's folder.",
    "- 4-node cluster: four `silo server` processes on loopback ports, 2 folders each, all "
    "started with the same comma-separated endpoints argument (one erasure set of 8 drives, "
    "EC 4+4; README, distributed mode); the run starts once every node answers "
    "`/silo/health/ready` and sees every drive online. `silo bench` takes one endpoint, so "
    "each case runs one `silo bench` per node at once, the case's concurrency and prepared "
    "objects split evenly between them (×32 = 4 × 8; ×4 = 4 × 1), and the figure is the sum "
    "of the four rates (p50: the ops-weighted mean of the nodes' p50s; p99: the largest); "
    "the runs' windows overlap but are not exactly aligned (each prepares its own objects "
    "first). LIST: the filler's connections are spread over the nodes, the listings go to "
    "the first node. Every node, the four load generators and the single-node server all "
    "share the machine's cores, so the cluster pays for 4 servers' and 4 clients' work on "
    "the same CPUs.",
    "- The peer (s3rver, the npm fake S3 server, `node --openssl-legacy-provider`) gets the "
    "same `silo bench` runs and the same LIST client; a case it cannot do shows n/a.",
    "- LIST: the bucket is filled with empty objects by a concurrent Python filler "
    "(bench/matrix/s3lite.py, 2 processes × 16 connections), then one sequential client "
    "times complete ListObjectsV2 listings of 1,000 keys a page: *flat* (every key), "
    "*delimiter walk* (top level with `/`, then each folder with `/`: every key) and "
    "*top level* (only the common prefixes). The figure is the median of up to 5 listings.",
    "- Machine limits: loopback TCP with iperf3 (one stream); disk with dd of 1 MiB blocks "
    "(`conv=fsync`, and `oflag=direct conv=fsync`) in the drives' folder; nginx with its "
    "own config on loopback, loaded by wrk (2 threads) at the concurrency of Silo's case. "
    "wrk is lighter than silo bench (no signing, no verification), so nginx's figure is an "
    "upper bound, not the same client.",
    "- Ratios: × s3rver is Silo's figure over s3rver's (for times, s3rver's over Silo's); "
    "vs limit is Silo's figure as a share of the limit named. Load tool, server and limits "
    "share the machine's cores.",
]


def render_readme(machine, limits, silo, peer, peer_name, cluster=None):
    """The compact version for README.md: one table, both layouts, the
    4-node cluster, the peer."""
    one = silo.get(1, {}).get("cases", {})
    four = silo.get(4, {}).get("cases", {})
    cc = cluster.get("cases", {}) if cluster else {}
    pc = peer.get("cases", {}) if peer else {}
    disk = limits["disk"]["buffered_fsync"]["mib_per_s"]
    nginx = limits["nginx"]
    loopback = limits.get("loopback", {}).get("mib_per_s")
    out = [f"Latest full run, {machine['date']}: {machine['cpu']}, {machine['cores']} cores, "
           f"{machine['ram_gib']:.0f} GiB RAM, {machine['filesystem'].split(' on ')[0]}, "
           f"kernel {machine['kernel']}, load average {machine['load_start'].split()[0]} at "
           f"start (shared machine); Silo {machine['commit']}. Limits measured in the same "
           f"run: loopback TCP {fmt_num(loopback, 'MiB/s')}, disk write+fsync "
           f"{disk:,.0f} MiB/s, nginx 4 KiB {nginx['4KiB']['req_per_s']:,.0f} req/s, nginx "
           f"1 MiB {nginx['1MiB']['mib_per_s']:,.0f} MiB/s.", "",
           f"| case | 1 drive | 4 drives (EC 2+2) | 4 nodes × 2 drives (EC 4+4) | {peer_name} | "
           f"1 drive × {peer_name} | target | met |", "|---|---:|---:|---:|---:|---:|---|:-:|"]
    _, goals = cluster_goals(cluster, silo) if cluster else (None, [])
    goal_of = {g[0]: g for g in goals}
    for case in METRIC:
        if case not in one and case not in four and case not in cc:
            continue
        unit = METRIC[case][1]
        a, b, p = figure(one.get(case), case), figure(four.get(case), case), figure(pc.get(case), case)
        c = figure(cc.get(case), case)
        r = ratio(p, a) if unit == "s" else ratio(a, p)
        t1, m1 = targets(1, case, a, p, limits, one)
        t4, m4 = targets(4, case, b, p, limits, one)
        tc, mc = "", None
        if case in goal_of:
            tc = f"4 nodes ≥ {goal_of[case][4]:.0%} of single node"
            mc = goal_of[case][5]
        target = "; ".join(x for x in (t1 and f"1 drive {t1}", t4 and f"4 drives {t4}", tc)
                           if x)
        met = " ".join(check(m) for t, m in ((t1, m1), (t4, m4), (tc, mc)) if t)
        out.append(f"| {CASE_TITLE[case]} | {fmt_num(a, unit)} | {fmt_num(b, unit)} | "
                   f"{fmt_num(c, unit) if cluster else 'not run'} | "
                   f"{fmt_num(p, unit) if peer else 'not run'} | {fmt_ratio(r)} | {target} | "
                   f"{met} |")
    rss = [f"{'1 drive' if d == 1 else f'{d} drives'} {fmt_bytes(r['rss'].get('idle_start'))} "
           f"idle, {fmt_bytes(r['rss'].get('peak'))} peak" for d, r in sorted(silo.items())]
    out += ["", "Server RSS (target: under 150 MiB idle, under 1 GiB through the matrix): "
            + "; ".join(rss) + "."]
    return "\n".join(out)
