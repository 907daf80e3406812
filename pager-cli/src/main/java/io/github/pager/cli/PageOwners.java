package io.github.pager.cli;

import io.github.pager.core.CommitLayout;
import io.github.pager.core.CommitLayout.NodePosition;
import io.github.pager.core.CommitLayout.PendingRun;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Who owns every page of one commit: the walk that {@code pager pages}, {@code pager stats} and
 * {@code pager dump} share, so that they label and count pages the same way.
 *
 * <p>The pager's own layout ({@link CommitLayout}: free-space tree nodes, the pending list,
 * structure nodes under root values) and the known structures' data pages ({@link
 * KnownStructures}: protected copies, sub-page parents) are kept in one map of owned pages; free
 * and pending pages are found from the free-space tree and the pending list; every other page
 * below the page count is the application's own ("user"). When a damaged file gives a page more
 * than one owner, the first found wins, in this order: reserved pages, owned pages, pending, free,
 * user ({@code pager verify} is what reports such a page). Memory grows with the pages the pager
 * and the structures own, not with the file.
 */
final class PageOwners {
  /** Pages 0 to 2: the superblock and the two metadata copies (FORMAT.md, "File layout"). */
  static final long RESERVED_PAGES = 3;

  private final CommitLayout layout;
  private final KnownStructures structures;
  private final int activeMetadataPage;
  private final NavigableMap<Long, PageOwner> owned = new TreeMap<>();
  private final NavigableMap<Long, PendingRun> pending = new TreeMap<>();

  private PageOwners(CommitLayout layout, KnownStructures structures, int activeMetadataPage) {
    this.layout = layout;
    this.structures = structures;
    this.activeMetadataPage = activeMetadataPage;
  }

  /**
   * Reads the owners of every page of the view's commit.
   *
   * @throws io.github.pager.core.CorruptMetadataException when a node the walk needs fails its
   *     checks ({@code pager verify} says more)
   */
  static PageOwners read(CommitView view) throws IOException {
    CommitLayout layout = CommitLayout.of(view.snapshot());
    KnownStructures structures = KnownStructures.find(view.pager());
    PageOwners owners = new PageOwners(layout, structures, view.inspection().trustedSlot());
    layout.freeSpaceTreeNodes().forEach((page, at) -> owners.claim(page, new PageOwner.FreeSpaceTreeNode(at.level(), at.index())));
    List<Long> chain = layout.pendingListPages();
    for (int i = 0; i < chain.size(); i++) {
      owners.claim(chain.get(i), new PageOwner.PendingListPage(i + 1, chain.size()));
    }
    for (CommitLayout.Structure structure : layout.structures()) {
      KnownStructures.Found known = structures.claiming(structure.slot());
      for (Map.Entry<Long, NodePosition> node : structure.nodes().entrySet()) {
        NodePosition at = node.getValue();
        owners.claim(node.getKey(), known != null && known.directorySlot() == structure.slot()
            ? new PageOwner.DirectoryNode(known.firstSlot(), at.level(), at.index())
            : new PageOwner.StructureNode(structure.slot(), structure.shape().recordSize(), at.level(), at.index(),
                known == null ? null : known.name()));
      }
    }
    for (KnownStructures.Found known : structures.all()) {
      known.labelDataPages(owners::claim);
    }
    for (PendingRun run : layout.pendingRuns()) {
      owners.pending.putIfAbsent(run.first(), run);
    }
    return owners;
  }

  private void claim(long page, PageOwner owner) {
    if (page >= RESERVED_PAGES && page < layout.pageCount()) {
      owned.putIfAbsent(page, owner);
    }
  }

  CommitLayout layout() {
    return layout;
  }

  KnownStructures structures() {
    return structures;
  }

  /** The pages the pager and the known structures own, below the page count, with their owners. */
  NavigableMap<Long, PageOwner> owned() {
    return Collections.unmodifiableNavigableMap(owned);
  }

  /** The owner of one page of the file; pages at or past the page count are {@link PageOwner.PastPageCount}. */
  PageOwner of(long page) throws IOException {
    PageOwner fixed = fixedOwner(page);
    if (fixed != null) {
      return fixed;
    }
    return layout.isFree(page) ? new PageOwner.Free() : new PageOwner.User();
  }

  /** Receives one page and its owner. */
  @FunctionalInterface
  interface OwnerVisitor {
    void visit(long page, PageOwner owner);
  }

  /** Calls {@code visitor} with every page in {@code [from, to)} and its owner, in order. */
  void forEach(long from, long to, OwnerVisitor visitor) throws IOException {
    List<long[]> clear = new ArrayList<>();
    layout.forEachFreeRun(Math.max(from, RESERVED_PAGES), to, (first, length) -> clear.add(new long[] {first, first + length}));
    int run = 0;
    for (long page = from; page < to; page++) {
      while (run < clear.size() && clear.get(run)[1] <= page) {
        run++;
      }
      PageOwner fixed = fixedOwner(page);
      boolean free = run < clear.size() && clear.get(run)[0] <= page;
      visitor.visit(page, fixed != null ? fixed : free ? new PageOwner.Free() : new PageOwner.User());
    }
  }

  /** The owner when something other than the free-space tree's bit decides it, else null. */
  private @Nullable PageOwner fixedOwner(long page) {
    if (page == 0) {
      return new PageOwner.Superblock();
    }
    if (page == 1 || page == 2) {
      return new PageOwner.MetadataCopy(page == 1 ? "A" : "B", page == activeMetadataPage);
    }
    if (page >= layout.pageCount()) {
      return new PageOwner.PastPageCount();
    }
    PageOwner owner = owned.get(page);
    if (owner != null) {
      return owner;
    }
    Map.Entry<Long, PendingRun> run = pending.floorEntry(page);
    if (run != null && page < run.getKey() + run.getValue().length()) {
      return new PageOwner.Pending(run.getValue().freedBy());
    }
    return null;
  }

  /** Pages the pending list holds as pending, less those another owner claims first. */
  long pendingPages() {
    long count = 0;
    for (PendingRun run : pending.values()) {
      count += run.length() - owned.subMap(run.first(), run.first() + run.length()).size();
    }
    return count;
  }

  /**
   * Calls {@code action} with every maximal run of free pages, pending ones left out (they are
   * not reusable yet) and pages another owner claims too, in increasing order.
   */
  void forEachFreeRun(CommitLayout.RunVisitor action) throws IOException {
    List<long[]> clear = new ArrayList<>();
    layout.forEachFreeRun(RESERVED_PAGES, layout.pageCount(), (first, length) -> clear.add(new long[] {first, first + length}));
    for (long[] run : clear) {
      long at = run[0];
      for (long[] blocked : blockedWithin(run[0], run[1])) {
        if (blocked[0] > at) {
          action.visit(at, blocked[0] - at);
        }
        at = Math.max(at, blocked[1]);
      }
      if (at < run[1]) {
        action.visit(at, run[1] - at);
      }
    }
  }

  /** The pending runs and owned pages within {@code [from, to)}, as sorted [start, end) ranges. */
  private List<long[]> blockedWithin(long from, long to) {
    List<long[]> blocked = new ArrayList<>();
    Map.Entry<Long, PendingRun> before = pending.lowerEntry(from);
    if (before != null && before.getKey() + before.getValue().length() > from) {
      blocked.add(new long[] {from, Math.min(to, before.getKey() + before.getValue().length())});
    }
    for (PendingRun run : pending.subMap(from, to).values()) {
      blocked.add(new long[] {run.first(), Math.min(to, run.first() + run.length())});
    }
    for (long page : owned.subMap(from, to).keySet()) {
      blocked.add(new long[] {page, page + 1});
    }
    blocked.sort(Comparator.comparingLong(range -> range[0]));
    return blocked;
  }
}
