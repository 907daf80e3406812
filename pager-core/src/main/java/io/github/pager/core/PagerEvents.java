package io.github.pager.core;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import org.jspecify.annotations.Nullable;

/**
 * The pager's Java Flight Recorder events, in one place: what a commit wrote and synced, each sync,
 * each growth of the file, each open, and each open that had to recover. A user records them with
 * the JDK's own tools ({@code -XX:StartFlightRecording}, {@code jcmd JFR.start}) and reads them with
 * {@code jfr print --events io.github.pager.Commit}; see the README, "Observability".
 *
 * <p>Every site follows the JDK's pattern: create the event, {@code begin()}, do the work, and fill
 * in and {@code commit()} only if {@code shouldCommit()}. With no recording running, {@code begin}
 * and {@code shouldCommit} are the empty methods of {@link Event}, the JIT inlines them, and the
 * event, which never escapes its method, is not even allocated (measured: about 0.5 ns and no
 * bytes per event). The events are package-private:
 * their names and fields are the contract, not their classes.
 */
final class PagerEvents {
  private PagerEvents() {}

  /** One commit: what it wrote, in the order of the commit protocol, and how many syncs it issued. */
  @Name("io.github.pager.Commit")
  @Label("Pager Commit")
  @Category("Pager")
  @Description("A commit of a page file: its generation, the pages it wrote and the syncs it issued")
  static final class Commit extends Event {
    @Label("File")
    @Nullable String file;

    @Label("Generation")
    @Description("The generation the commit made current; the current one for a commit with nothing to record")
    long generation;

    @Label("Record Written")
    @Description("False for a commit that changed nothing: it only synced the page writes made before it")
    boolean recordWritten;

    @Label("Pages Written")
    @Description("Tree nodes, pending list chain pages, the metadata record and a rewritten superblock")
    int pagesWritten;

    @Label("Tree Nodes Written")
    @Description("Nodes of the free-space tree and of layers' bitmaps and arrays, each to a fresh page")
    int nodePages;

    @Label("Pending Chain Pages Written")
    int chainPages;

    @Label("Superblock Rewritten")
    @Description("Page 0 failed its checks at open and this commit wrote it again")
    boolean superblockRewritten;

    @Label("Syncs")
    @Description("Syncs of the flush that made the commit durable, shared by its group: 2 (nodes, then record) with durability SYNC, 1 when the group only synced page writes, 0 with NONE")
    int syncs;

    @Label("Group Size")
    @Description("Commits made durable by the same flush, this one included; more than 1 when threads commit at once")
    int groupSize;

    @Label("Durability")
    @Nullable String durability;
  }

  /** One sync the pager issued: a range, or the whole file. */
  @Name("io.github.pager.Sync")
  @Label("Pager Sync")
  @Category("Pager")
  @Description("A sync of a page file, of one range or of every mapping; its duration is the flush")
  static final class Sync extends Event {
    @Label("File")
    @Nullable String file;

    @Label("Covers")
    @Description("What the sync makes durable")
    @Nullable String covers;

    @Label("Whole File")
    @Description("Every mapping of the file; offset and length are then 0")
    boolean wholeFile;

    @Label("Offset")
    @DataAmount
    long offset;

    @Label("Length")
    @DataAmount
    long length;

    @Label("Failed")
    @Description("The sync threw: the pager refuses further work")
    boolean failed;

    /**
     * Fills in and commits this event, if a recording wants it.
     *
     * @param length the range's length, or -1 for a sync of the whole file
     */
    void end(String file, SyncReason reason, long offset, long length, boolean failed) {
      if (shouldCommit()) {
        this.file = file;
        this.covers = reason.label();
        this.wholeFile = length < 0;
        this.offset = Math.max(offset, 0);
        this.length = Math.max(length, 0);
        this.failed = failed;
        commit();
      }
    }
  }

  /** One growth of the file. */
  @Name("io.github.pager.Grow")
  @Label("Pager Grow")
  @Category("Pager")
  @Description("The page file grew: extended, mapped and, unless sparse, its new blocks reserved")
  static final class Grow extends Event {
    @Label("File")
    @Nullable String file;

    @Label("Old Page Count")
    long oldPageCount;

    @Label("New Page Count")
    long newPageCount;

    @Label("File Extended By")
    @Description("Bytes added to the file's length; 0 when an earlier growth had extended it far enough")
    @DataAmount
    long extendedBy;

    @Label("Reserved")
    @Description("The new pages' disk blocks were reserved (a pager that is not sparse)")
    boolean reserved;

    @Label("Failed")
    boolean failed;

    /** Fills in and commits this event, if a recording wants it. */
    void end(String file, long oldPageCount, long newPageCount, long extendedBy, boolean reserved, boolean failed) {
      if (shouldCommit()) {
        this.file = file;
        this.oldPageCount = oldPageCount;
        this.newPageCount = newPageCount;
        this.extendedBy = extendedBy;
        this.reserved = reserved;
        this.failed = failed;
        commit();
      }
    }
  }

  /** One open or create of a page file. */
  @Name("io.github.pager.Open")
  @Label("Pager Open")
  @Category("Pager")
  @Description("A page file opened or created: the commit it opened at, and whether it had to recover")
  static final class Open extends Event {
    @Label("File")
    @Nullable String file;

    @Label("Created")
    boolean created;

    @Label("Read-Only")
    boolean readOnly;

    @Label("Generation")
    long generation;

    @Label("Page Count")
    long pageCount;

    @Label("Page Size")
    @DataAmount
    int pageSize;

    @Label("Fell Back")
    @Description("The newest metadata copy's free-space tree root or pending list was damaged; the older copy was used")
    boolean fellBack;

    @Label("Superblock Recovered")
    @Description("Page 0 failed its checks; the page size came from the metadata copies")
    boolean superblockRecovered;

    @Label("Recovery")
    @Description("What open found wrong and passed over; empty when the newest record was used as it was")
    @Nullable String recovery;

    /** Fills in and commits this event, if a recording wants it; emits a {@link Recovery} too. */
    void end(String file, PageFileOpener.Opened opened, boolean readOnly, boolean created) {
      if (shouldCommit()) {
        this.file = file;
        this.created = created;
        this.readOnly = readOnly;
        this.generation = opened.record().generation;
        this.pageCount = opened.record().pageCount;
        this.pageSize = opened.file().pageSize();
        this.fellBack = opened.fellBack();
        this.superblockRecovered = opened.superblockRecovered();
        this.recovery = opened.recovery();
        commit();
      }
      if (opened.fellBack() || opened.superblockRecovered() || !opened.recovery().isEmpty()) {
        Recovery.emit(file, opened, readOnly);
      }
    }
  }

  /**
   * An open that did not simply take the newest metadata record: it fell back to the older copy,
   * passed over a copy that fails its checks (a commit torn by a crash, or damage), or recovered
   * the page size of a damaged superblock. Rare, so emitted on its own for an alert to watch.
   */
  @Name("io.github.pager.Recovery")
  @Label("Pager Recovery")
  @Category("Pager")
  @Description("Open recovered: fell back to the older metadata copy, passed over a damaged or torn one, or rebuilt the page size")
  static final class Recovery extends Event {
    @Label("File")
    @Nullable String file;

    @Label("Read-Only")
    boolean readOnly;

    @Label("Generation")
    @Description("The generation opened at")
    long generation;

    @Label("Fell Back")
    @Description("A valid newer record was rejected because its tree root or pending list was damaged")
    boolean fellBack;

    @Label("Rejected Generation")
    @Description("The newest valid record's generation, when open fell back from it; 0 otherwise")
    long rejectedGeneration;

    @Label("Superblock Recovered")
    boolean superblockRecovered;

    @Label("Problems")
    @Nullable String problems;

    static void emit(String file, PageFileOpener.Opened opened, boolean readOnly) {
      Recovery event = new Recovery();
      if (event.shouldCommit()) {
        event.file = file;
        event.readOnly = readOnly;
        event.generation = opened.record().generation;
        event.fellBack = opened.fellBack();
        event.rejectedGeneration = opened.fellBack() ? opened.lastGeneration() : 0;
        event.superblockRecovered = opened.superblockRecovered();
        event.problems = opened.recovery();
        event.commit();
      }
    }
  }
}
