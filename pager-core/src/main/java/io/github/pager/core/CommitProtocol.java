package io.github.pager.core;

import java.io.IOException;
import java.util.Collection;

/**
 * The commit protocol: how a change to the allocation state becomes durable, in the order its
 * bytes reach the disk. Every commit of a pager goes through {@link #commit}; FORMAT.md describes
 * the same steps.
 *
 * <p>Steps 1 to 3 only write pages that no durable metadata copy reaches; step 4 makes them
 * durable; step 5 is the single atomic change that publishes them; step 6 acknowledges it.
 *
 * <p>The invariant at every instant: the superblock names a metadata copy whose record, and
 * whose whole free-space tree, are complete and synced. A crash at any point therefore reopens
 * at the last acknowledged commit, or (between steps 4 and 6) at the commit in progress, which is
 * complete too; never at a mix.
 */
final class CommitProtocol {
  private final MappedFile file;
  private final Durability durability;

  /** The superblock as it is on disk (or, after a fallback on open, as the next commit will treat it). */
  private Superblock superblock;

  /** No commit may reuse a generation the file has already seen, even in a copy it fell back from. */
  private long lastGeneration;

  CommitProtocol(MappedFile file, Durability durability, Superblock superblock, long lastGeneration) {
    this.file = file;
    this.durability = durability;
    this.superblock = superblock;
    this.lastGeneration = lastGeneration;
  }

  /**
   * Makes the tree's changes and the given root values durable as one commit.
   *
   * @return the record now active
   * @throws GrowFailedException when step 1 needed room the file could not get; nothing was
   *     written that any metadata copy references, and the caller rolls back
   * @throws PagerUnavailableException when a sync failed; the caller must refuse all further work
   */
  MetadataRecord commit(FreeSpaceTree tree, Collection<RootedStructure> structures, long[] roots)
      throws IOException {
    // Step 1. Layers' structures first: give each changed node of their trees a fresh page
    // allocated from the free-space tree (freeing the page it replaces), store it there, and
    // record each structure's new root in its two root values. This changes the free-space
    // tree, so it comes before that tree is placed.
    long[] newRoots = roots.clone();
    for (RootedStructure structure : structures) {
      CopyOnWriteTree changed = structure.tree();
      if (changed.isDirty()) {
        changed.assignPages(tree.placementForOthers());
        changed.writeOut();
        newRoots[structure.slot()] = changed.rootPage();
        newRoots[structure.slot() + 1] = RootedStructure.rootMeta(changed);
      }
    }

    // Step 2. Give every changed node of the free-space tree a fresh page (copy on write), taken
    // from itself, freeing the page it replaces. Fresh pages are free in the active tree and not
    // pending, so neither the active copy's trees nor the alternate's are touched. Then store the
    // nodes, children first, so each parent carries its children's final page and CRC.
    tree.assignPages();
    tree.writeOut();

    // Step 3. Write the new record into the inactive metadata copy. The active copy is never
    // written while active, so a torn write here can only damage a copy nobody relies on.
    MetadataRecord next =
        new MetadataRecord(
            lastGeneration + 1,
            tree.pageCount(),
            tree.freeCount(),
            tree.rootPage(),
            tree.rootCrc(),
            tree.height(),
            newRoots);
    int slot = superblock.inactiveSlot();
    int crc = next.encodeTo(file.page(slot));

    // Step 4. Sync. One flush covers the new nodes, the new record, and the user's page writes
    // made before the commit. After it the new state is complete on disk, still unreferenced.
    if (durability == Durability.SYNC) {
      syncOrFail(false);
    }

    // Step 5. Flip: name the new copy, its CRC and generation in the superblock. All of it lies
    // in the first sector of page 0, written at once, so a crash leaves the old name or the new.
    Superblock flipped =
        new Superblock(superblock.formatVersion(), superblock.pageSizeLog2(), slot, crc, next.generation);
    flipped.writeTo(file.page(Format.SUPERBLOCK_PAGE));

    // Step 6. Sync the superblock. When this returns, the commit is acknowledged.
    if (durability == Durability.SYNC) {
      syncOrFail(true);
    }
    superblock = flipped;
    lastGeneration = next.generation;
    return next;
  }

  private void syncOrFail(boolean superblockOnly) throws PagerUnavailableException {
    try {
      if (superblockOnly) {
        file.syncPage(Format.SUPERBLOCK_PAGE);
      } else {
        file.syncAll();
      }
    } catch (IOException e) {
      throw new PagerUnavailableException(
          file.describe() + ": sync failed during a commit; what reached the disk is unknown. "
              + "Reopen the file to recover its last durable commit.",
          e);
    }
  }
}
