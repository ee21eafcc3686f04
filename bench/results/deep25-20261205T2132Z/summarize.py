import csv, sys, statistics as st, collections
rows = list(csv.DictReader(open(sys.argv[1])))
by = collections.defaultdict(list)
for r in rows:
    if not r['contender'].startswith('ours'): continue
    mix = dict(kv.split('=') for kv in r['fetch_mix'].split()) if r['fetch_mix'] else {}
    kib = lambda k: int(mix.get(k, 0))
    startup = sum(kib(k) for k in ('demand','read_ahead','predicted','near_reader','prioritized'))
    by[r['contender']].append((float(r['seconds']), int(r['reads_waited']), int(r['wait_ms']), kib('near_reader'), startup, int(r['bytes_down'])))
print("| contender | runs | median s | reads waited (each run) | median wait ms | near-reader KiB (median) | start-up phase KiB (demand+read-ahead+predicted+near-reader, median) | MB down (median) |")
print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |")
for c, v in by.items():
    print(f"| {c} | {len(v)} | {st.median(x[0] for x in v):.2f} | {', '.join(str(x[1]) for x in v)} | {st.median(x[2] for x in v):.0f} | {st.median(x[3] for x in v):.0f} | {st.median(x[4] for x in v):.0f} | {st.median(x[5] for x in v)/1e6:.1f} |")
