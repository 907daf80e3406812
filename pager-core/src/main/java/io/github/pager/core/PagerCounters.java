package io.github.pager.core;

/**
 * What a pager has done to its file since it was opened or created: commits and the pages they
 * wrote, syncs, and growths. Returned by {@link Pager#counters()}; subtract two with {@link #minus}
 * to see what a stretch of work cost, for example the pages written per commit.
 *
 * <p>The counts follow the commit protocol (FORMAT.md, "Commit protocol"): with {@link
 * Durability#SYNC} each commit that writes a record issues two syncs, one of the whole file (step
 * 3) and one of the metadata page it wrote (step 5); a commit with nothing to record issues one
 * whole-file sync; with {@link Durability#NONE} commits issue none. Create's own writes and syncs
 * are counted, and so are the syncs of {@link Pager#sync()} and {@link Pager#close()}. The syncs
 * that make a growth durable belong to the storage ({@link
 * io.github.pager.core.storage.Storage#extend}) and are counted as {@link #grows}, not as syncs.
 *
 * <p>There is no count of commits per sync (group sizes): every commit syncs on its own, in the
 * thread that commits. A pager that groups commits will count its groups here.
 *
 * @param commits commits that wrote a metadata record, each one generation
 * @param emptyCommits commits that changed nothing, so wrote no record (they still sync the page
 *     writes made before them)
 * @param pagesWritten pages the commits wrote: {@code nodePagesWritten + chainPagesWritten}, one
 *     record each, and a superblock rewritten after a damaged one was recovered at open. Pages the
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
    long openFallbacks) {

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
        openFallbacks - earlier.openFallbacks);
  }
}
