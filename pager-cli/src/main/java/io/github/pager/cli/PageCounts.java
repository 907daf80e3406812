package io.github.pager.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many pages each kind of owner has ({@link PageOwner#kind()}), counted from {@link
 * PageOwners} without visiting every page: the "pages by owner" of {@code pager stats}. The counts
 * add up to the page count by construction, and agree with a tally of {@code pager pages}, which
 * labels page by page with the same precedence.
 */
final class PageCounts {
  /** Every kind below the page count, in the order stats shows them, with what it is for a person. */
  static final Map<String, String> KINDS = kinds();

  private final Map<String, Long> byKind = new LinkedHashMap<>();
  private final Map<Integer, Long> structureNodesBySlot = new TreeMap<>();
  private final long total;

  private PageCounts(long pageCount) {
    this.total = pageCount;
    KINDS.keySet().forEach(kind -> byKind.put(kind, 0L));
  }

  private static Map<String, String> kinds() {
    Map<String, String> kinds = new LinkedHashMap<>();
    kinds.put("superblock", "superblock");
    kinds.put("metadataCopy", "metadata copies");
    kinds.put("freeSpaceTreeNode", "free-space tree nodes");
    kinds.put("pendingListPage", "pending list chain pages");
    kinds.put("structureNode", "structure nodes (bitmaps and arrays under root values)");
    kinds.put("directoryNode", "protected page directory nodes");
    kinds.put("protectedCopy", "protected page copies (two per page)");
    kinds.put("subPageParent", "sub-page parents");
    kinds.put("structurePage", "structures inspected by their kind (kv stores, ...)");
    kinds.put("user", "user (allocated, no known structure)");
    kinds.put("pending", "pending (freed, not reusable yet)");
    kinds.put("free", "free");
    return kinds;
  }

  /**
   * Counts the owners.
   *
   * @param owners the walk
   * @param freePages the pages of {@link PageOwners#forEachFreeRun}'s runs
   */
  static PageCounts of(PageOwners owners, long freePages) {
    PageCounts counts = new PageCounts(owners.layout().pageCount());
    counts.add("superblock", 1);
    counts.add("metadataCopy", 2);
    for (PageOwner owner : owners.owned().values()) {
      counts.add(owner.kind(), 1);
      if (owner instanceof PageOwner.StructureNode node) {
        counts.structureNodesBySlot.merge(node.slot(), 1L, Long::sum);
      }
    }
    counts.add("pending", owners.pendingPages());
    counts.add("free", freePages);
    long others = counts.byKind.values().stream().mapToLong(Long::longValue).sum();
    counts.add("user", counts.total - others);
    return counts;
  }

  private void add(String kind, long pages) {
    byKind.merge(kind, pages, Long::sum);
  }

  /** Pages per kind, every kind of {@link #KINDS} present, in its order. */
  Map<String, Long> byKind() {
    return byKind;
  }

  /** Nodes per structure outside the protected directories, by first root slot. */
  Map<Integer, Long> structureNodesBySlot() {
    return structureNodesBySlot;
  }

  /** The page count the kinds add up to. */
  long total() {
    return total;
  }
}
