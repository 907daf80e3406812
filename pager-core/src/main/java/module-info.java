/**
 * pager-core: a crash-consistent, memory-mapped, file-backed fixed-size page provider.
 *
 * <p>Exports the page file API and the storage seam a test kit substitutes.
 */
module io.github.pager.core {
  requires static transitive org.jspecify;
  // The flight recorder events (PagerEvents). Not static: a module that is only "requires static"
  // is left out of a module graph that nothing else pulls it into, and the first commit would then
  // fail to load its event class. jdk.jfr is a standard module of every JDK; a jlink image of an
  // application adds it by itself.
  requires jdk.jfr;

  exports io.github.pager.core;
  exports io.github.pager.core.storage;
}
