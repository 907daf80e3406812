package io.github.pager.core;

/**
 * What one commit wrote, gathered as the commit protocol runs and handed, when the commit ends, to
 * the pager's counters and to a {@link PagerEvents.Commit} event. Kept out of {@link
 * CommitProtocol} so that its steps read as the disk sees them, one line per step here at most.
 *
 * <p>The syncs are the group's ({@link CommitGroups}): every commit of a group reports the same
 * ones, which it shared.
 *
 * <p>A commit that fails ends nothing here: it is counted by the syncs and growths it issued, and
 * a recording shows those events, the failed one marked.
 */
final class CommitTrace {
  private final PagerEvents.Commit event = new PagerEvents.Commit();
  private final MappedFile file;
  private final Durability durability;
  private int nodePages;
  private int chainPages;
  private boolean superblockRewritten;

  /** Starts timing a commit now. */
  CommitTrace(MappedFile file, Durability durability) {
    this.file = file;
    this.durability = durability;
    event.begin();
  }

  /** Step 1 or 2 stored {@code count} tree nodes. */
  void nodesWritten(int count) {
    nodePages += count;
  }

  /** Step 2 stored the free-space tree's nodes and the pending list's new chain pages. */
  void treeWritten(FreeSpaceTree.PagesWritten written) {
    nodePages += written.nodes();
    chainPages += written.chainPages();
  }

  /** Step 2 rewrote a superblock that failed its checks at open. */
  void superblockWritten() {
    superblockRewritten = true;
  }

  /** The flush of the commit's group returned: the commit of {@code generation} is acknowledged. */
  void durable(long generation, boolean recordWritten, CommitGroups.Group group) {
    if (recordWritten) {
      file.counters().committed(nodePages, chainPages, superblockRewritten);
    } else {
      file.counters().committedNothing();
    }
    if (event.shouldCommit()) {
      event.file = file.describe();
      event.generation = generation;
      event.recordWritten = recordWritten;
      event.nodePages = nodePages;
      event.chainPages = chainPages;
      event.superblockRewritten = superblockRewritten;
      event.pagesWritten = recordWritten ? nodePages + chainPages + 1 + (superblockRewritten ? 1 : 0) : 0;
      event.syncs = group.syncs();
      event.groupSize = group.members();
      event.durability = durability.name();
      event.commit();
    }
  }
}
