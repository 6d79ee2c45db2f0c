package org.bpf4j.verifier;

/**
 * The kernel the verifier answers for. {@link #LINUX_6_18} is Linux 6.18 with every program type, map type
 * and helper built in (the callers of HelperSpecs' table, the default); a {@link Probed} target also refuses what
 * its {@link KernelOffer} lacks, with the kernel's own words, as a kernel of another configuration does.
 */
public sealed interface KernelTarget {

    /** Linux 6.18 with everything built in. */
    KernelTarget LINUX_6_18 = new Reference();

    /** How the target is named on the command line ({@code 6.18}, {@code running}). */
    String name();

    /** Linux 6.18, every configuration option on. */
    record Reference() implements KernelTarget {
        @Override
        public String name() { return "6.18"; }
    }

    /**
     * A 6.18 kernel restricted to what {@code offer} says exists. What the offer has beyond Linux 6.18's
     * table (a newer kernel's helper) is still refused: bpf4j has no model of it.
     */
    record Probed(String name, KernelOffer offer) implements KernelTarget {
        public Probed {
            java.util.Objects.requireNonNull(name, "name");
            java.util.Objects.requireNonNull(offer, "offer");
        }
    }
}
