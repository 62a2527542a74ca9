# Read-model list queries as OrderQueries issues them, SQLite part only (Python sqlite3), old vs new orders schema.
#   python3 bench/readmodel-query-micro.py ROUNDS BEFORE.db AFTER.db
# BEFORE/AFTER: copies (sqlite3 DB ".backup F") of readmodel.db of two `loadgen --days 1` stores, table orders_g1.
# Modes per round, alternating order: before (old SQL), after-sqlsort (same SQL on the new schema: what ships),
# after (ORDER BY created_at only, ties ordered here with a second query: the rejected variant).
import sqlite3, time, random, sys
cols="order_id, user_id, status, currency, total_amount_minor, refunded_amount_minor, item_count, created_at, updated_at, paid_at, shipped_at, delivered_at, cancelled_at, returned_at, version"
STATS = {"pages": 0, "tie": 0}
def page(c, new, where, args, cur=None, limit=50):
    order = " ORDER BY created_at DESC" if new is True else " ORDER BY created_at DESC, order_id DESC"
    pw, pa = where, list(args)
    if cur is not None:
        pw += " AND (created_at, order_id) < (?, ?)"; pa += list(cur)
    rows = c.execute(f"SELECT {cols} FROM orders_g1 WHERE 1 = 1{pw}{order} LIMIT ?", pa+[limit+1]).fetchall()
    STATS["pages"] += 1
    if new is True:
        if len(rows) > limit and rows[limit-1][7] == rows[-1][7]:
            STATS["tie"] += 1
            edge = rows[-1][7]
            tw, ta = where + " AND created_at = ?", list(args) + [edge]
            if cur is not None and cur[0] == edge:
                tw += " AND order_id < ?"; ta.append(cur[1])
            rows = [r for r in rows if r[7] != edge] + c.execute(f"SELECT {cols} FROM orders_g1 WHERE 1 = 1{tw} ORDER BY order_id DESC LIMIT ?", ta+[limit+1]).fetchall()
        rows.sort(key=lambda r: (r[7], r[0]), reverse=True)
    return rows[:limit], (rows[limit-1][7], rows[limit-1][0]) if len(rows) > limit else None
def bench(path, new, n, seed):
    c = sqlite3.connect(path)
    rnd = random.Random(seed)
    users = [r[0] for r in c.execute("select user_id from orders_g1 order by order_id limit 5000")]
    out = {}
    for kind in ("user", "status p1", "status p1-5", "all p1"):
        ts = []
        for i in range(n):
            t = time.perf_counter()
            if kind == "user":
                page(c, new, " AND user_id = ?", [rnd.choice(users)])
            elif kind == "all p1":
                page(c, new, "", [])
            else:
                st = rnd.choice(["delivered", "cancelled", "refunded"]); cur = None
                for p in range(5 if kind == "status p1-5" else 1):
                    _, cur = page(c, new, " AND status = ?", [st], cur)
            ts.append(time.perf_counter() - t)
        ts.sort()
        out[kind] = (ts[n // 2] * 1e6, ts[int(n * 0.99)] * 1e6)
    return out
rounds = int(sys.argv[1]); before, after = sys.argv[2], sys.argv[3]
import os
print("sqlite", sqlite3.sqlite_version, "load", os.getloadavg())
for r in range(rounds):
    modes = [("before", before, False), ("after", after, True), ("after-sqlsort", after, "sql")]
    for name, path, new in (modes if r % 2 == 0 else modes[::-1]):
        res = bench(path, new, 1000, r)
        print(r, name, STATS, "  ".join("%s p50 %.0f p99 %.0f us" % (k, v[0], v[1]) for k, v in res.items()), "load %.1f" % os.getloadavg()[0], flush=True)
