/**
 * pager-kv: an ordered map from byte-string keys to byte-string values, kept in a page file as
 * a copy-on-write B+tree whose nodes are pager pages. Built only on pager-core's public API.
 *
 * <p>Provides a {@link io.github.pager.core.StructureInspector} for the stores a file's root
 * catalog names, so that tools such as {@code pager verify} check them and label their pages.
 */
module io.github.pager.kv {
  requires transitive io.github.pager.core;
  requires static org.jspecify;

  exports io.github.pager.kv;

  provides io.github.pager.core.StructureInspector with
      io.github.pager.kv.KvInspector;
}
