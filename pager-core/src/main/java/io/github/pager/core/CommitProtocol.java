package io.github.pager.core;

import java.io.IOException;
import java.lang.invoke.VarHandle;
import java.util.Collection;

/**
 * The commit protocol: how a change to the allocation state becomes durable, in the order its
 * bytes reach the disk. Every commit of a pager goes through {@link #commit}; FORMAT.md describes
 * the same steps.
 *
 * <p>Steps 1 to 2 only write pages that no metadata copy reaches (fresh pages: free in the current
 * tree and not pending); step 3 makes them durable; step 4
 * writes the new record over the older copy, which is the single change that publishes them; step
 * 5 acknowledges it.
 *
 * <p>The invariant at every instant: the valid metadata copy with the higher generation, and its
 * whole free-space tree, are complete. The new record is stored only after everything it refers
 * to is synced, and a record torn by a crash or a kill fails its CRC, so it is never chosen. A
 * crash at any point therefore reopens at the last acknowledged commit or at the commit in
 * progress, which is complete too; never at a mix.
 *
 * <p>A {@link CommitTrace} notes what each step wrote, for the pager's counters and its flight
 * recorder events; the syncs count and record themselves in {@link MappedFile}.
 */
final class CommitProtocol {
  private final MappedFile file;
  private final Durability durability;

  /** The metadata page holding the current record; a commit writes the other one. */
  private int activeSlot;

  /** No commit may reuse a generation the file has already seen, even in a copy it fell back from. */
  private long lastGeneration;

  /** Page 0 failed its checks at open: the next commit writes it again. */
  private boolean superblockToRewrite;

  CommitProtocol(MappedFile file, Durability durability, int activeSlot, long lastGeneration, boolean superblockToRewrite) {
    this.file = file;
    this.durability = durability;
    this.activeSlot = activeSlot;
    this.lastGeneration = lastGeneration;
    this.superblockToRewrite = superblockToRewrite;
  }

  /**
   * Makes the tree's changes and the given root values durable as one commit.
   *
   * @param oldestPinned the oldest generation an open snapshot or registered reader reads: the
   *     pending list holds what stays pending for them
   * @return the record now current
   * @throws GrowFailedException when step 1 needed room the file could not get; nothing was
   *     written that any metadata copy references, and the caller rolls back
   * @throws PagerUnavailableException when a sync failed; the caller must refuse all further work
   * @throws UnreadablePageException when a page the commit stores into cannot be read (a fresh
   *     page, or the older metadata copy): no record names anything written, and the caller rolls
   *     back as after a failed growth
   */
  MetadataRecord commit(FreeSpaceTree tree, Collection<RootedStructure> structures, long[] roots, long oldestPinned)
      throws IOException {
    CommitTrace trace = new CommitTrace(file, durability);

    // Step 1. Layers' structures first: give each changed node of their trees a fresh page
    // allocated from the free-space tree (freeing the page it replaces), store it there, and
    // record each structure's new root in its two root values. This changes the free-space
    // tree, so it comes before that tree is placed.
    long[] newRoots = roots.clone();
    for (RootedStructure structure : structures) {
      CopyOnWriteTree changed = structure.tree();
      if (changed.isDirty()) {
        changed.assignPages(tree.placementForOthers());
        trace.nodesWritten(changed.writeOut());
        newRoots[structure.slot()] = changed.rootPage();
        newRoots[structure.slot() + 1] = RootedStructure.rootMeta(changed);
      }
    }

    // Step 2. Give every changed node of the free-space tree a fresh page (copy on write), taken
    // from itself, freeing the page it replaces. Fresh pages are free in the current tree and not
    // pending, so neither the current record's trees nor the older record's are touched. Then
    // decide the pending list: this commit's frees (the replaced nodes among them) and what
    // snapshots and readers still hold, so that a reopen keeps them pending and the older record's
    // pages stay untouched until the next commit is durable, whatever happens in between. The
    // list goes inline into the record when it fits; what does not spills into new chain pages,
    // fresh pages too, in front of the chain, which is never changed. Then store the nodes,
    // children first, so each parent carries its children's final page and CRC, and the new chain
    // pages, last first, for the same reason.
    long generation = lastGeneration + 1;
    tree.placeNodes(generation, oldestPinned);
    trace.treeWritten(tree.writeOut());
    if (superblockToRewrite) {
      // Page 0 is never part of a commit otherwise; a damaged one is rewritten whole here, and
      // step 3 makes it durable with the rest. Its content does not depend on the commit.
      try {
        Superblock.current(file.pageSize()).writeTo(file.page(Format.SUPERBLOCK_PAGE), file.describe());
        trace.superblockWritten();
      } catch (UnreadablePageException e) {
        // The disk cannot read page 0, so no store into its mapping completes. Nothing depends on
        // it: every open recovers the page size from the records, as it did for this one.
      }
    }

    // Step 3. Sync. One flush covers the new nodes and the user's page writes made before the
    // commit. After it the new state is complete on disk, and nothing refers to it yet.
    if (durability == Durability.SYNC) {
      syncOrFail(() -> file.syncAll(SyncReason.COMMIT_NODES));
    }

    // Step 4. Write the new record over the older copy. The current copy is never written while
    // current. A record torn by a crash, or by a process killed in the middle of the store, fails
    // its CRC, which covers every byte of it: the older copy is then lost, but the current one is
    // still chosen, and a whole new record names only synced pages. The fence keeps the record's stores after the nodes' ones (for a kill with
    // Durability.NONE, where no sync separates them).
    MetadataRecord next =
        new MetadataRecord(
            generation,
            tree.pageCount(),
            tree.freeCount(),
            tree.rootPage(),
            tree.rootCrc(),
            tree.height(),
            newRoots,
            tree.pendingListRoot());
    int slot = MetadataCopies.otherSlot(activeSlot);
    VarHandle.storeStoreFence();
    next.writeTo(file.page(slot), file.pageSize(), file.describe(), slot);

    // Step 5. Sync the record. When this returns, the commit is acknowledged.
    if (durability == Durability.SYNC) {
      syncOrFail(() -> file.syncPage(slot, SyncReason.COMMIT_RECORD));
    }
    activeSlot = slot;
    lastGeneration = next.generation;
    superblockToRewrite = false;
    trace.recorded(next.generation);
    return next;
  }

  /**
   * Makes page writes durable when a commit has nothing else to write: an empty commit still
   * keeps the promise that page writes made before it are durable when it returns.
   */
  void commitPageWritesOnly() throws PagerUnavailableException {
    CommitTrace trace = new CommitTrace(file, durability);
    if (durability == Durability.SYNC) {
      syncOrFail(() -> file.syncAll(SyncReason.EMPTY_COMMIT));
    }
    trace.nothingRecorded(lastGeneration);
  }

  /** A sync of some part of the file. */
  @FunctionalInterface
  private interface Sync {
    void run() throws IOException;
  }

  private void syncOrFail(Sync sync) throws PagerUnavailableException {
    try {
      sync.run();
    } catch (IOException e) {
      throw new PagerUnavailableException(
          file.describe() + ": sync failed during a commit; what reached the disk is unknown. "
              + "Reopen the file to recover its last durable commit.",
          e);
    }
  }
}
