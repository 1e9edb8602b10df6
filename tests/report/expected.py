"""Expected numbers for tests/report/test_report.c, computed with numpy.

Run from the repository root with /usr/bin/python3 (numpy 1.24)."""
import json, sys, numpy as np
d=json.load(open('tests/report/fixtures/cpu-hash.json'))
pts={}
for b in d['benchmarks']:
    if b.get('run_type')!='iteration': continue
    pts.setdefault(b['run_name'],[]).append(b['real_time'])
def q(v):
    v=np.array(v); return np.median(v), np.quantile(v,.25), np.quantile(v,.75)
for k,v in pts.items(): print(k, ["%.17g"%x for x in q(v)])
ser=pts['cpu-hash/serial/workers:1/tasks:100/manual_time']
S=q(ser)
for ex in ['thread-pool','process-pool']:
    T={w:q(pts[f'cpu-hash/{ex}/workers:{w}/tasks:100/manual_time']) for w in range(1,5)}
    for w in range(1,5):
        sp=S[0]/T[w][0]
        print(ex,w,'speedup %.17g lo %.17g hi %.17g eff %.17g ovh_task %.17g'%(sp,S[1]/T[w][2],S[2]/T[w][1],sp/min(w,2),(T[w][0]-S[0]/min(w,2))/100))
    N=np.array([1,2,3,4.]); C=np.array([T[1][0]/T[w][0] for w in range(1,5)])
    m=N>1; x=1-1/N[m]; y=1/C[m]-1/N[m]
    s=np.linalg.lstsq(x[:,None],y,rcond=None)[0][0]
    pred=1/(s+(1-s)/N); r2=1-np.sum((C-pred)**2)/np.sum((C-C.mean())**2)
    X=np.stack([N[m]-1,N[m]*(N[m]-1)],1); Y=N[m]/C[m]-1
    sig,kap=np.linalg.lstsq(X,Y,rcond=None)[0]
    predu=N/(1+sig*(N-1)+kap*N*(N-1)); r2u=1-np.sum((C-predu)**2)/np.sum((C-C.mean())**2)
    print(ex,'amdahl %.17g r2 %.17g usl %.17g %.17g peak %.17g r2 %.17g'%(s,r2,sig,kap,np.sqrt((1-sig)/kap) if kap>0 else float('nan'),r2u))
# synthetic
v=[5,1,4,2,3,10]; print('quant', q(v))
v=[7.5]; print('quant1', q(v))
N=np.array([1,2,4,8,16.]); C=np.array([1,1.9,3.3,5.0,5.6])
m=N>1; x=1-1/N[m]; y=1/C[m]-1/N[m]
s=np.linalg.lstsq(x[:,None],y,rcond=None)[0][0]
pred=1/(s+(1-s)/N); r2=1-np.sum((C-pred)**2)/np.sum((C-C.mean())**2)
X=np.stack([N[m]-1,N[m]*(N[m]-1)],1); Y=N[m]/C[m]-1
sig,kap=np.linalg.lstsq(X,Y,rcond=None)[0]
predu=N/(1+sig*(N-1)+kap*N*(N-1)); r2u=1-np.sum((C-predu)**2)/np.sum((C-C.mean())**2)
print('synthetic amdahl %.17g r2 %.17g usl %.17g %.17g peak %.17g r2 %.17g'%(s,r2,sig,kap,np.sqrt((1-sig)/kap),r2u))

# The comparison's bootstrap: splitmix64 with the report's fixed seed,
# 2000 rounds, base resampled first then other, index = draw % n,
# 95% percentile interval with numpy's linear quantiles.
M = (1 << 64) - 1
def bootstrap(base, other, rounds=2000, seed=20261126, level=0.95):
    state = seed
    def draw():
        nonlocal state
        state = (state + 0x9e3779b97f4a7c15) & M
        z = state
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & M
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & M
        return z ^ (z >> 31)
    ratios = []
    for _ in range(rounds):
        mb = np.median([base[draw() % len(base)] for _ in base])
        mo = np.median([other[draw() % len(other)] for _ in other])
        ratios.append(mo / mb)
    r = np.array(ratios)
    return np.quantile(r, (1 - level) / 2), np.quantile(r, 1 - (1 - level) / 2)
print('bootstrap synthetic %.17g %.17g' % bootstrap([10, 11, 12, 13, 30], [12, 12.5, 14, 15]))
e = json.load(open('tests/report/fixtures/cpu-hash-b.json'))
pb = {}
for b in e['benchmarks']:
    if b.get('run_type') == 'iteration':
        pb.setdefault(b['run_name'], []).append(b['real_time'])
n = 'cpu-hash/thread-pool/workers:2/tasks:100/manual_time'
print('bootstrap fixture %s ratio %.17g ci %.17g %.17g' % ((n, np.median(pb[n]) / np.median(pts[n])) + bootstrap(pts[n], pb[n])))

# The breakdown of one job (breakdown.json): medians over the repetitions of
# each phase counter, in microseconds; gil_wait_s / workers taken out of
# compute where present (the unit test adds gil_wait_s to one entry).
g = json.load(open('tests/report/fixtures/breakdown.json'))
ph = {}
for b in g['benchmarks']:
    if b.get('run_type') == 'iteration':
        for c in ('create_s', 'dispatch_s', 'compute_s', 'idle_s', 'return_s', 'stop_s'):
            ph.setdefault(b['run_name'], {}).setdefault(c, []).append(b[c])
for n in ('cpu-hash/thread-pool/workers:2/tasks:200/manual_time',
          'cpu-hash/thread-per-task/workers:2/tasks:200/manual_time'):
    m = {c: np.median(v) * 1e6 for c, v in ph[n].items()}
    print('breakdown', n, ' '.join('%s %.17g' % (c, m[c]) for c in sorted(m)),
          'total %.17g' % sum(m.values()))
