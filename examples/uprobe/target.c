// SPDX-License-Identifier: GPL-2.0
/*
 * The user program uprobe/addcalls.bpf.c probes: calls add(i, 1000) for i = 0 .. N-1 (N from the command
 * line, 3 by default) and prints the sum. Built with gcc (UprobeLiveTest builds it in a temporary
 * directory):
 *
 *     gcc -O1 -o /tmp/target examples/uprobe/target.c && /tmp/target 5
 */
#include <stdio.h>
#include <stdlib.h>

/* noinline and used: the symbol must exist, and each call must really call it, for the uprobe to fire. */
__attribute__((noinline, used)) int bpf4j_add(int a, int b)
{
	__asm__ volatile("" ::: "memory");
	return a + b;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	long sum = 0;

	for (int i = 0; i < n; i++)
		sum += bpf4j_add(i, 1000);
	printf("%ld\n", sum);
	return 0;
}
