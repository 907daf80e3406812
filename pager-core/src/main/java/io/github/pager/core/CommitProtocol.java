package io.github.pager.core;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.Collection;
import org.jspecify.annotations.Nullable;

/**
 * The commit protocol: how a change to the allocation state becomes durable, in the order its
 * bytes reach the disk. Every commit of a pager goes through {@link #seal} and then {@link
 * #flush}; FORMAT.md describes the same steps.
 *
 * <p>Steps 1 to 2 ({@link #seal}, under the writer lock) only write pages that no metadata copy
 * that may be chosen after a crash reaches (fresh pages: free in the sealed tree and not pending,
 * with every commit newer than the last durable one pinned); step 3 makes them durable; step 4
 * writes the newest sealed record over the older copy, which is the single change that publishes
 * them; step 5 acknowledges it.
 *
 * <p>Steps 3 to 5 ({@link #flush}) run for a group: every commit sealed since the last flush.
 * {@link CommitGroups} lets one thread at a time flush, without the writer lock, so that other
 * threads seal their commits meanwhile and the next flush makes all of them durable with one pair
 * of syncs. Only the newest record of a group is written: it names every page the group's commits
 * wrote, since each commit is sealed on top of the one before.
 *
 * <p>The invariant at every instant: the valid metadata copy with the higher generation, and its
 * whole free-space tree, are complete. The new record is stored only after everything it refers
 * to is synced, and a record torn by a crash or a kill fails its CRC, so it is never chosen. A
 * crash at any point therefore reopens at the last acknowledged commit or at the newest commit of
 * the group in progress, which is complete too; never at a mix, and never at part of a group.
 *
 * <p>A {@link CommitTrace} notes what each step wrote, for the pager's counters and its flight
 * recorder events; the syncs count and record themselves in {@link MappedFile}.
 */
final class CommitProtocol {
  private static final String METADATA_A = "metadata copy " + PageFileOpener.slotName((int) Format.METADATA_A_PAGE);
  private static final String METADATA_B = "metadata copy " + PageFileOpener.slotName((int) Format.METADATA_B_PAGE);

  private final MappedFile file;
  private final Durability durability;

  /** Where {@link #seal} reads one byte of each metadata page to; see {@code requireReadable}. */
  private final byte[] probe = new byte[1];

  /** Written under the writer lock: no commit may reuse a generation the file has already seen. */
  private long lastGeneration;

  /** Page 0 failed its checks at open: the next commit writes it again. */
  private volatile boolean superblockToRewrite;

  /** Written by the one thread flushing: the metadata page holding the current durable record. */
  private int activeSlot;

  /** Written by the one thread flushing: the generation of the current durable record. */
  private volatile long durableGeneration;

  CommitProtocol(
      MappedFile file, Durability durability, int activeSlot, long durableGeneration, long lastGeneration,
      boolean superblockToRewrite) {
    this.file = file;
    this.durability = durability;
    this.activeSlot = activeSlot;
    this.durableGeneration = durableGeneration;
    this.lastGeneration = lastGeneration;
    this.superblockToRewrite = superblockToRewrite;
  }

  /**
   * Steps 1 and 2: stores the tree's changes and those of the given structures in fresh pages and
   * returns the record that names them, to be made durable by a later {@link #flush}. Under the
   * writer lock.
   *
   * @param oldestPinned the oldest generation an open snapshot or registered reader reads, or the
   *     last durable one when older commits wait for a flush: the pending list holds what stays
   *     pending for them
   * @param trace where the steps note what they wrote
   * @return the sealed record, one generation newer than the last
   * @throws GrowFailedException when step 1 needed room the file could not get; nothing was
   *     written that any metadata copy references, and the caller rolls back
   * @throws UnreadablePageException when a page the commit stores into cannot be read: no record
   *     names anything written, and the caller rolls back as after a failed growth
   */
  MetadataRecord seal(
      FreeSpaceTree tree, Collection<RootedStructure> structures, long[] roots, long oldestPinned, CommitTrace trace)
      throws IOException {
    // Before anything: a metadata page the disk cannot read takes no record (a store into it
    // faults too). A flush that found out would fail every commit sealed on top of this one, so
    // this commit is refused now, while it can roll back alone.
    requireReadable((int) Format.METADATA_A_PAGE);
    requireReadable((int) Format.METADATA_B_PAGE);

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
        // Step 3 of this commit's group makes it durable, whatever its record becomes.
        superblockToRewrite = false;
      } catch (UnreadablePageException e) {
        // The disk cannot read page 0, so no store into its mapping completes. Nothing depends on
        // it: every open recovers the page size from the records, as it did for this one.
      }
    }

    lastGeneration = generation;
    return new MetadataRecord(
        generation,
        tree.pageCount(),
        tree.freeCount(),
        tree.rootPage(),
        tree.rootCrc(),
        tree.height(),
        newRoots,
        tree.pendingListRoot());
  }

  /**
   * Steps 3 to 5 for a group: makes every commit sealed before the call durable, and page writes
   * made before it. Called by one thread at a time, without the writer lock ({@link
   * CommitGroups}).
   *
   * @param newest the newest record sealed in the group, or null when the group's commits
   *     changed nothing: then step 3 alone keeps their promise about page writes
   * @return the syncs issued
   * @throws PagerUnavailableException when a sync failed; the caller must refuse all further work
   * @throws UnreadablePageException when the older metadata copy cannot be read, so no record can
   *     be stored over it; what reached the disk is then unknown as after a failed sync
   */
  int flush(@Nullable MetadataRecord newest) throws PagerUnavailableException {
    boolean recording = newest != null && newest.generation > durableGeneration;
    int syncs = 0;

    // Step 3. Sync. One flush covers the new nodes of every commit in the group and the user's
    // page writes made before each. After it the new state is complete on disk, and nothing
    // refers to it yet.
    if (durability == Durability.SYNC) {
      syncOrFail(() -> file.syncAll(recording ? SyncReason.COMMIT_NODES : SyncReason.EMPTY_COMMIT));
      syncs++;
    }
    if (newest == null || !recording) {
      return syncs;
    }

    // Step 4. Write the group's newest record over the older copy. The current copy is never
    // written while current. A record torn by a crash, or by a process killed in the middle of
    // the store, fails its CRC, which covers every byte of it: the older copy is then lost, but
    // the current one is still chosen, and a whole new record names only synced pages. The fence
    // keeps the record's stores after the nodes' ones (for a kill with Durability.NONE, where no
    // sync separates them).
    int slot = MetadataCopies.otherSlot(activeSlot);
    VarHandle.storeStoreFence();
    try {
      file.writeOwnPage(slot, MemorySegment.ofArray(newest.encode(file.pageSize())), slotName(slot));
    } catch (IOException e) {
      throw unavailable("the older metadata copy cannot be written", e);
    }

    // Step 5. Sync the record. When this returns, every commit of the group is acknowledged.
    if (durability == Durability.SYNC) {
      syncOrFail(() -> file.syncPage(slot, SyncReason.COMMIT_RECORD));
      syncs++;
    }
    activeSlot = slot;
    durableGeneration = newest.generation;
    return syncs;
  }

  /** The generation of the newest durable record: a commit sealed after it is not durable yet. */
  long durableGeneration() {
    return durableGeneration;
  }

  private void requireReadable(int slot) throws UnreadablePageException {
    // On every commit's path: the names are built once, and the one byte read lands in a field
    // (seal runs under the writer lock).
    PageFaults.read(file.page(slot), 0, probe, 1, file.describe(), slot, slotName(slot));
  }

  private static String slotName(int slot) {
    return slot == Format.METADATA_A_PAGE ? METADATA_A : METADATA_B;
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
      throw unavailable("sync failed during a commit", e);
    }
  }

  private PagerUnavailableException unavailable(String what, Exception cause) {
    return new PagerUnavailableException(
        file.describe() + ": " + what + "; what reached the disk is unknown. "
            + "Reopen the file to recover its last durable commit.",
        cause);
  }
}
