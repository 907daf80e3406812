package io.github.pager.core;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The root catalog of a writable pager's last commit, read once and kept until a commit changes
 * the catalog's root values: what {@link Transaction#setRoot} asks on every call, so that the
 * check costs a lookup, not a walk of the catalog's array, on the commit path.
 *
 * <p>Exact, not a guess: the catalog is a copy-on-write array, so every commit that changes a
 * claim gives it a new root page and changes slot {@value RootCatalog#CATALOG_SLOT}'s value, and
 * {@link #committed} forgets the catalog on any commit that changes slots 30 or 31. Used under
 * the pager's writer lock only (by transactions), so it needs no synchronization of its own.
 */
final class CommittedCatalog {
  /** A catalog and the two root values it was read from. */
  private record Read(long rootPage, long rootMeta, RootCatalog catalog) {}

  /** Guarded by the pager's writer lock. */
  private @Nullable Read read;

  /**
   * Returns the catalog of the pager's last commit, reading it only when no commit since the last
   * read changed its slots.
   *
   * @throws IOException when a node of the catalog cannot be read or fails its checksum
   */
  RootCatalog get(Pager pager) throws IOException {
    long rootPage = pager.root(RootCatalog.CATALOG_SLOT);
    long rootMeta = pager.root(RootCatalog.CATALOG_SLOT + 1);
    Read known = read;
    if (known != null && known.rootPage() == rootPage && known.rootMeta() == rootMeta) {
      return known.catalog();
    }
    RootCatalog catalog = RootCatalog.of(pager);
    read = new Read(rootPage, rootMeta, catalog);
    return catalog;
  }

  /** Forgets the catalog when a commit from {@code before} to {@code after} changed its slots. */
  void committed(MetadataRecord before, MetadataRecord after) {
    if (before.root(RootCatalog.CATALOG_SLOT) != after.root(RootCatalog.CATALOG_SLOT)
        || before.root(RootCatalog.CATALOG_SLOT + 1) != after.root(RootCatalog.CATALOG_SLOT + 1)) {
      read = null;
    }
  }
}
