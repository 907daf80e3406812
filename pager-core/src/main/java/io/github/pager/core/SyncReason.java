package io.github.pager.core;

/**
 * What a sync the pager issues makes durable: the step of the commit protocol, or the call, that
 * asked for it. Named in the {@link PagerEvents.Sync} event, so that a recording tells a commit's
 * two flushes from those of {@link Pager#sync()} and close.
 */
enum SyncReason {
  /** Create: the first tree leaf and record A, before the superblock names them. */
  CREATE_TREE("create: first tree leaf and record"),
  /** Create: the superblock, last. */
  CREATE_SUPERBLOCK("create: superblock"),
  /** Commit step 3: the new nodes and chain pages, and every page write made before the commit. */
  COMMIT_NODES("commit: new nodes and page writes"),
  /** Commit step 5: the new metadata record, which acknowledges the commit. */
  COMMIT_RECORD("commit: metadata record"),
  /** A commit that changed nothing still makes the page writes before it durable. */
  EMPTY_COMMIT("empty commit: page writes"),
  /** {@link Pager#sync()}. */
  PAGE_WRITES("sync(): page writes"),
  /** {@link Pager#close()}. */
  CLOSE("close: page writes"),
  /** {@link RepairPlan#apply()}: a new superblock, before any record is rewritten. */
  REPAIR_SUPERBLOCK("repair: superblock"),
  /** {@link RepairPlan#apply()}: the chosen record, under a new generation, in the newest copy's page. */
  REPAIR_RECORD("repair: metadata record");

  private final String label;

  SyncReason(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
