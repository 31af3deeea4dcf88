"""docs/benchmarks.png: boot milestones per init (median bar, min–max whisker) and the root
move's time and peak memory per method. matplotlib from Debian (python3-matplotlib, listed in
tools/debian-packages)."""

import statistics

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MILESTONES = [("init", "init started"), ("net", "network configured"),
              ("containerd", "containerd ready"), ("haproxy", "haproxy listening"),
              ("sshd", "sshd listening"), ("keepalived", "keepalived VIP"),
              ("all", "all services ready")]
COLORS = {"systemd": "#8c8c8c", "ekinit": "#1f77b4"}


def _med(vals):
    vals = [v for v in vals if v is not None]
    return (statistics.median(vals), min(vals), max(vals)) if vals else (0, 0, 0)


def draw(res, path):
    boots, moves = res["boots"], res["moves"]
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10, 4.2), dpi=72,
                                  gridspec_kw={"width_ratios": [2.2, 1]})
    n = len(MILESTONES)
    h = 0.38
    for j, v in enumerate(("systemd", "ekinit")):
        meds, lo, hi = [], [], []
        for key, _ in MILESTONES:
            m, a, b = _med([x.get(key) for x in boots if x["variant"] == v])
            meds.append(m)
            lo.append(m - a)
            hi.append(b - m)
        ys = [n - 1 - i + (h / 2 if j == 0 else -h / 2) for i in range(n)]
        ax.barh(ys, meds, height=h, color=COLORS[v], xerr=[lo, hi], capsize=2,
                label=v, error_kw={"elinewidth": 0.8})
        for y, m, e in zip(ys, meds, hi):
            ax.text(m + e, y, " %.1f" % m, va="center", fontsize=7)
    ax.set_yticks(range(n))
    ax.set_yticklabels([label for _, label in reversed(MILESTONES)], fontsize=8)
    ax.set_xlabel("seconds from QEMU's start (median, min–max)", fontsize=8)
    ax.set_title("Boot, same image, QEMU %s, %d pairs" % (res["machine"]["accel"].upper(),
                                                          res["pairs"]), fontsize=9)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_xlim(0, ax.get_xlim()[1] * 1.12)
    ax.tick_params(axis="x", labelsize=7)

    methods = [("ekinit", "ekinit"), ("ekinit-bind", "ekinit\nbind"), ("tar", "tar|tar +\nswitch_root"),
               ("cp", "cp -a +\nswitch_root"), ("sendfile", "sendfile\n(limit)")]
    xs = range(len(methods))
    secs = [_med([r["seconds"] for r in moves if r["method"] == k]) for k, _ in methods]
    mems = [_med([r["peak_used_kb"] / 1024 for r in moves if r["method"] == k])[0]
            for k, _ in methods]
    ax2.bar(xs, [s[0] for s in secs], color=["#1f77b4", "#6fa8dc", "#8c8c8c", "#b0b0b0", "#d0d0d0"],
            yerr=[[s[0] - s[1] for s in secs], [s[2] - s[0] for s in secs]], capsize=2)
    for x, s, m in zip(xs, secs, mems):
        ax2.text(x, s[0], "%.1f s\n%.0f MB" % (s[0], m), ha="center", va="bottom", fontsize=7)
    ax2.set_xticks(list(xs))
    ax2.set_xticklabels([l for _, l in methods], fontsize=7)
    ax2.set_ylabel("seconds (median, min–max)", fontsize=8)
    ax2.set_title("Root move into tmpfs (label: peak MB used)", fontsize=9)
    ax2.tick_params(axis="y", labelsize=7)
    top = max(s[2] for s in secs) if secs else 1
    ax2.set_ylim(0, top * 1.35 + 0.1)
    fig.tight_layout()
    fig.savefig(path, dpi=72)
    plt.close(fig)
