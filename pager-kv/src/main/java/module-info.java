/**
 * pager-kv: an ordered map from byte-string keys to byte-string values, kept in a page file as
 * a copy-on-write B+tree whose nodes are pager pages. Built only on pager-core's public API.
 */
module io.github.pager.kv {
  requires transitive io.github.pager.core;
  requires static org.jspecify;

  exports io.github.pager.kv;
}
