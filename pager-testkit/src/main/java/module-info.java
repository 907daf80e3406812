/**
 * pager-testkit: power-loss simulation for the pager and for projects built on it.
 *
 * <p>Exports the simulated storage and crash explorer, a JUnit Jupiter extension that hands them
 * to tests, AssertJ assertions for pagers and pages, and {@code PageAllocatorConformanceTest},
 * the conformance tests every {@code PageAllocator} implementation extends.
 */
module io.github.pager.testkit {
  requires transitive io.github.pager.core;
  requires transitive io.github.pager.allocator;
  requires transitive org.junit.jupiter.api;
  requires transitive org.assertj.core;
  requires static transitive org.jspecify;

  exports io.github.pager.testkit;
  exports io.github.pager.testkit.junit;
  exports io.github.pager.testkit.assertj;
}
