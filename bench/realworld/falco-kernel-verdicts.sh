#!/bin/sh
# The running kernel's verdict on each of Falco's modern_bpf objects (OBJDIR: the objects of Falco's modern_bpf, one
# object per .bpf.c, each linked with license.bpf.o by bpftool gen object as the full probe is), loaded with bpftool prog loadall as libpman would: the maps Falco sizes at run time
# (auxiliary_maps, counter_maps: one entry per CPU; ringbuf_maps: a map of ring buffers) created first and
# passed with `map name ... pinned`. Prints per object: the object, "ok" or "fail", and per loaded program its
# name, type and verified_insns; for a failure the verifier's last line. Removes everything it pins.
# usage: falco-kernel-verdicts.sh OBJDIR
set -u
OBJDIR=$1
P=/sys/fs/bpf/bpf4j_realworld_falco_$$
N=$(nproc)
T=$(mktemp -d)
mkdir -p $P
trap 'rm -rf $P $T' EXIT
bpftool map create $P/rb type ringbuf key 0 value 0 entries 65536 name rb_inner
bpftool map create $P/aux type array key 4 value 131088 entries $N name auxiliary_maps
bpftool map create $P/cnt type array key 4 value 104 entries $N name counter_maps
bpftool map create $P/rbm type array_of_maps key 4 value 4 entries $N name ringbuf_maps inner_map pinned $P/rb
for o in "$OBJDIR"/*.o; do
	case "$o" in *license*) continue ;; esac
	d=$P/progs
	bpftool gen object $T/obj.o "$OBJDIR"/license_license.bpf.o "$o" || { printf '%s\tlink-fail\n' "$(basename "$o")"; continue; }
	if bpftool prog loadall $T/obj.o $d map name auxiliary_maps pinned $P/aux map name counter_maps pinned $P/cnt \
			map name ringbuf_maps pinned $P/rbm > $T/log 2>&1; then
		"$(dirname "$0")/prog_info.py" $d/* | sed "s|^|$(basename "$o")\tok\t|"
		rm -rf $d
	else
		printf '%s\tfail\t%s\n' "$(basename "$o")" "$(grep -v '^libbpf: \|^Error\|^Warning\|^If it used\|^processed\|^-- END\|^$' $T/log | tail -1)"
		rm -rf $d
	fi
done
