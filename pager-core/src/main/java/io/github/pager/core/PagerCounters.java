package io.github.pager.core;

/**
 * What a pager has done to its file since it was opened or created: commits and the pages they
 * wrote, syncs, and growths. Returned by {@link Pager#counters()}; subtract two with {@link #minus}
 * to see what a stretch of work cost, for example the pages written per commit.
 *
 * <p>The counts follow the commit protocol (FORMAT.md, "Commit protocol"). Commits are made
 * durable in groups: a flush takes every commit sealed by the time it starts, so with one thread
 * committing each group holds one commit. With {@link Durability#SYNC} each flush that
 * writes a record issues two syncs, one of the whole file (step 3) and one of the metadata page it
 * wrote (step 5); a flush of commits with nothing to record issues one whole-file sync; with
 * {@link Durability#NONE} flushes issue none. Create's own writes and syncs
 * are counted, and so are the syncs of {@link Pager#sync()} and {@link Pager#close()}. The syncs
 * that make a growth durable belong to the storage ({@link
 * io.github.pager.core.storage.Storage#extend}) and are counted as {@link #grows}, not as syncs.
 *
 * <p>Group sizes: {@code groupedCommits / groups} is the mean number of commits a flush made
 * durable; a difference of two snapshots gives it for a stretch of work.
 *
 * @param commits commits that recorded a change, each one generation (a group's flush writes the
 *     record of its newest commit only, see {@code records})
 * @param emptyCommits commits that changed nothing, so wrote no record (they still sync the page
 *     writes made before them)
 * @param pagesWritten pages the commits wrote: {@code nodePagesWritten + chainPagesWritten}, the
 *     {@code records}, and a superblock rewritten after a damaged one was recovered at open. Pages the
 *     user writes through views, and create's pages, are not counted
 * @param nodePagesWritten nodes of the free-space tree and of layers' bitmaps and arrays, each
 *     written to a fresh page (copy on write)
 * @param chainPagesWritten pages of the pending list's chain (FORMAT.md, "Pending list")
 * @param syncs every sync issued, of a range or of the whole file, failed ones included
 * @param wholeFileSyncs the syncs among {@code syncs} that covered every mapping of the file
 * @param bytesSynced the lengths of the range syncs added up; a whole-file sync adds nothing, since
 *     how much the system writes for it (the dirty pages) is not known to the pager
 * @param grows growths of the file (create's included), each an extension of the file or a
 *     reservation of blocks, made durable before a record counts the new pages
 * @param openFallbacks 1 when open fell back to the older metadata copy because the newest one's
 *     tree root or pending list was damaged (see {@link Pager#openedFromAlternate()}), else 0
 * @param records metadata records written, one per flush whose group recorded a change
 * @param groups flushes: each made a group of commits durable with one or two syncs
 * @param groupedCommits commits made durable by those flushes, empty ones included
 */
public record PagerCounters(
    long commits,
    long emptyCommits,
    long pagesWritten,
    long nodePagesWritten,
    long chainPagesWritten,
    long syncs,
    long wholeFileSyncs,
    long bytesSynced,
    long grows,
    long openFallbacks,
    long records,
    long groups,
    long groupedCommits) {

  /**
   * Returns the difference between these counts and earlier ones of the same pager: what happened
   * in between.
   *
   * @param earlier counts taken before these
   * @return each count minus the earlier one
   */
  public PagerCounters minus(PagerCounters earlier) {
    return new PagerCounters(
        commits - earlier.commits,
        emptyCommits - earlier.emptyCommits,
        pagesWritten - earlier.pagesWritten,
        nodePagesWritten - earlier.nodePagesWritten,
        chainPagesWritten - earlier.chainPagesWritten,
        syncs - earlier.syncs,
        wholeFileSyncs - earlier.wholeFileSyncs,
        bytesSynced - earlier.bytesSynced,
        grows - earlier.grows,
        openFallbacks - earlier.openFallbacks,
        records - earlier.records,
        groups - earlier.groups,
        groupedCommits - earlier.groupedCommits);
  }
}
