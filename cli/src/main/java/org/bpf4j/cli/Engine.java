package org.bpf4j.cli;

/** The engines a program can run on (--engine). */
enum Engine {
    interp,
    jit;
}
