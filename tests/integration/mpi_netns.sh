#!/usr/bin/env bash
# Two hosts on one machine: two network namespaces joined by a veth pair
# (addresses of their own), each with its own host name (unshare --uts).
# bench runs in the first; Open MPI starts the second host's daemon through
# a launcher that enters the other namespace, and the ranks talk over the
# TCP BTL on the veth. The entry must verify and say hosts=2. Bounded in
# time; everything made is removed. Skipped (77), with the reason, where
# the build has no MPI or namespaces cannot be made.
. "$(dirname "$0")/lib.sh"

if "$BENCH" --list | grep -A1 '^  mpi ' | grep -q unavailable; then
  echo "skip: built without MPI"
  exit 77
fi
for tool in ip unshare mpiexec; do
  if ! command -v "$tool" >/dev/null; then
    echo "skip: $tool is not installed"
    exit 77
  fi
done
a=pt$$a
b=pt$$b
net=10.213.$(($$ % 250)).
cleanup() {
  ip netns del "$a" 2>/dev/null
  ip netns del "$b" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
if ! why=$(ip netns add "$a" 2>&1 && ip netns add "$b" 2>&1); then
  echo "skip: cannot make network namespaces: $why"
  exit 77
fi
ip link add "v$$a" type veth peer name "v$$b" &&
  ip link set "v$$a" netns "$a" && ip link set "v$$b" netns "$b" &&
  ip -n "$a" addr add "${net}1/24" dev "v$$a" &&
  ip -n "$b" addr add "${net}2/24" dev "v$$b" &&
  ip -n "$a" link set "v$$a" up && ip -n "$b" link set "v$$b" up &&
  ip -n "$a" link set lo up && ip -n "$b" link set lo up
check "two namespaces joined by a veth pair" [ $? -eq 0 ]

# Open MPI's launcher for the other host: HOST COMMAND... run inside the
# namespace of that name, under that host name.
cat >"$WORK/launch" <<EOF
#!/bin/sh
host=\$1
shift
case \$host in
  $a|$b) ;;
  *) echo "launch: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$host" unshare --uts sh -c "hostname \$host; \$*"
EOF
chmod +x "$WORK/launch"
printf '%s slots=1\n%s slots=1\n' "$a" "$b" >"$WORK/hosts"

r=$WORK/two.json
timeout 120 ip netns exec "$a" unshare --uts sh -c "hostname $a; exec env \
  OMPI_MCA_orte_default_hostfile=$WORK/hosts OMPI_MCA_plm_rsh_agent=$WORK/launch \
  OMPI_MCA_oob_tcp_if_include=${net}0/24 OMPI_MCA_btl_tcp_if_include=${net}0/24 \
  '$BENCH' --executor=mpi --workers=2 --tasks=40 --workload=cpu-hash \
  --param work=1000 --min-time=0.01 --timeout=90 --out='$r'" \
  >/dev/null 2>"$WORK/two.err"
status=$?
check "two hosts: exit 0 within the bound" [ "$status" -eq 0 ]
check "two hosts: the entry verified, labelled hosts=2 over tcp" \
  jq -e '(.benchmarks | length) == 1 and .benchmarks[0].error_occurred != true
    and (.benchmarks[0].label | test("btl=tcp osc=pt2pt hosts=2"))' "$r"
check "two hosts: phases from both hosts' ranks" \
  jq -e '.benchmarks[0].compute_s > 0 and .benchmarks[0].cpu_user_s > 0' "$r"
[ "$status" -eq 0 ] || tail -5 "$WORK/two.err" >&2
gone() {
  for _ in $(seq 50); do
    pgrep -f -- "^$BENCH --procthread-mpi-worker" >/dev/null || return 0
    sleep 0.1
  done
  return 1
}
check "no rank left on either host" gone
finish
