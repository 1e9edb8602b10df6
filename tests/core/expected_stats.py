# Computes the expected numbers of test_stats.c with scipy:
#   /usr/bin/python3 tests/core/expected_stats.py
import itertools, math
from scipy.stats import mannwhitneyu, norm
def exact_counts(m,n):
    N=m+n; c=[0]*(m*n+1)
    # brute force: choose positions of the new sample among ranks
    for pos in itertools.combinations(range(N), n):
        # U of new = sum over new of number of base below it
        u=sum(p-i for i,p in enumerate(pos))
        c[u]+=1
    return c
def hl(base,new,alpha,exact):
    m,n=len(base),len(new); mn=m*n
    d=sorted(y-x for y in new for x in base)
    est=(d[(mn-1)//2]+d[mn//2])/2
    if exact:
        c=exact_counts(m,n); tot=sum(c); cum=0; k=-1
        for u in range(mn+1):
            cum+=c[u]
            if cum/tot>alpha/2: break
            k=u
    else:
        k=math.floor(mn/2-norm.isf(alpha/2)*math.sqrt(mn*(m+n+1)/12))
    if k<0: return est,None,None
    return est,d[k],d[mn-1-k]
A_base=[10.1,10.4,9.8,10.0,10.3,10.2]
A_new=[10.9,11.2,10.6,11.0,10.7,10.5,11.4]
r=mannwhitneyu(A_new,A_base,alternative='two-sided',method='exact')
print("A exact U",r.statistic,"p",repr(r.pvalue))
print("A hl 0.01",hl(A_base,A_new,0.01,True))
print("A hl 0.05",hl(A_base,A_new,0.05,True))
# overlapping: exact, not significant
C_base=[5.0,6.1,7.2,5.5,6.8]
C_new=[5.2,6.0,7.5,6.6,5.9]
r=mannwhitneyu(C_new,C_base,alternative='two-sided',method='exact')
print("C exact U",r.statistic,"p",repr(r.pvalue)); print("C hl 0.05",hl(C_base,C_new,0.05,True))
B_base=[1,2,2,3,4,5]
B_new=[3,4,4,5,6,7,7,8]
r=mannwhitneyu(B_new,B_base,alternative='two-sided',method='asymptotic',use_continuity=True)
print("B asym U",r.statistic,"p",repr(r.pvalue))
print("B hl 0.05",hl(B_base,B_new,0.05,False))
print("counts 3,4",exact_counts(3,4))
print("counts 5,5 sum",sum(exact_counts(5,5)), exact_counts(5,5)[:6])
print("sf(1.5)",repr(norm.sf(1.5)),"sf(-2)",repr(norm.sf(-2)),"isf(0.005)",repr(norm.isf(0.005)),"isf(0.3)",repr(norm.isf(0.3)))
# larger exact: 25 vs 25 (m+n = 50)
D_base=[100+i*0.37 for i in range(25)]
D_new=[103.05+i*0.43 for i in range(25)]
assert len(set(D_base+D_new))==50
r=mannwhitneyu(D_new,D_base,alternative='two-sided',method='exact')
print("D exact U",r.statistic,"p",repr(r.pvalue))
print("min p 5,5", 2/math.comb(10,5), "4,4",2/math.comb(8,4))

# Paired: Wilcoxon signed-rank (bench ab pairs).
from scipy.stats import wilcoxon
def sr_counts(n):
    c=[0]*(n*(n+1)//2+1)
    for signs in itertools.product([0,1], repeat=n):
        c[sum(r+1 for r in range(n) if signs[r])]+=1
    return c
def hl_paired(d,alpha,exact):
    n=len(d); N=n*(n+1)//2
    w=sorted((d[i]+d[j])/2 for i in range(n) for j in range(i,n))
    est=(w[(N-1)//2]+w[N//2])/2
    if exact:
        c=sr_counts(n); tot=sum(c); cum=0; k=-1
        for t in range(N+1):
            cum+=c[t]
            if cum/tot>alpha/2: break
            k=t
    else:
        k=math.floor(N/2-norm.isf(alpha/2)*math.sqrt(n*(n+1)*(2*n+1)/24))
    if k<0: return est,None,None
    return est,w[k],w[N-1-k]
E=[0.061,0.048,0.093,-0.012,0.071,0.055,0.102,0.039,0.066,0.024]
r=wilcoxon(E,alternative='two-sided',method='exact')
print("E exact T(min)",r.statistic,"p",repr(r.pvalue),"t_plus",sum(i+1 for i,x in enumerate(sorted(E,key=abs)) if x>0))
print("E hl 0.01",hl_paired(E,0.01,True))
print("sr counts 4",sr_counts(4))
G=[0.5,-0.5,1.0,1.0,2.0,0.0,-1.0,3.0,2.0]
r=wilcoxon(G,alternative='two-sided',method='approx',zero_method='wilcox',correction=True)
print("G approx T",r.statistic,"p",repr(r.pvalue))
print("G hl 0.05",hl_paired(G,0.05,False))
