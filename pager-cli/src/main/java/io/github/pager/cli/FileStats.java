package io.github.pager.cli;

import io.github.pager.core.CommitLayout;
import io.github.pager.core.CommitLayout.TreeLevel;
import io.github.pager.core.CommitLayout.TreeShape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every figure {@code pager stats} shows of one commit: the trees' shapes, the pages by owner,
 * the free runs and the disk usage, gathered once and shown as text or JSON.
 */
final class FileStats {
  /**
   * What the sub-page allocator at {@code baseSlot} holds: parent pages and their sub-pages.
   *
   * @param baseSlot its first root slot
   * @param subPageSize bytes per sub-page
   * @param parents pages divided into sub-pages
   * @param used sub-pages handed out
   * @param capacity sub-pages the parents hold
   */
  record SubPages(int baseSlot, int subPageSize, long parents, long used, long capacity) {
    double fill() {
      return capacity == 0 ? 0 : (double) used / capacity;
    }
  }

  final PageOwners owners;
  final FreeRuns freeRuns = new FreeRuns();
  final PageCounts counts;
  final DiskUsage disk;
  final List<SubPages> subPages;

  private FileStats(PageOwners owners, Path file, long apparentBytes) throws IOException {
    this.owners = owners;
    owners.forEachFreeRun((first, length) -> freeRuns.add(length));
    this.counts = PageCounts.of(owners, freeRuns.pages());
    CommitLayout layout = owners.layout();
    this.disk = DiskUsage.of(file, apparentBytes, layout.pageCount(), layout.pageSize());
    this.subPages = subPages(owners);
  }

  /** Gathers the figures of the view's commit. */
  static FileStats read(CommitView view, Path file) throws IOException {
    return view.read("the trees and structures", () -> new FileStats(PageOwners.read(view), file, view.inspection().fileSize()));
  }

  private static List<SubPages> subPages(PageOwners owners) {
    Map<Integer, SubPages> bySlot = new TreeMap<>();
    for (PageOwner owner : owners.owned().values()) {
      if (owner instanceof PageOwner.SubPageParent parent) {
        SubPages sum = bySlot.getOrDefault(parent.baseSlot(), new SubPages(parent.baseSlot(), parent.subPageSize(), 0, 0, 0));
        bySlot.put(parent.baseSlot(), new SubPages(sum.baseSlot(), sum.subPageSize(), sum.parents() + 1,
            sum.used() + parent.usedSubPages(), sum.capacity() + parent.subPagesPerPage()));
      }
    }
    return new ArrayList<>(bySlot.values());
  }

  /** What a structure under root values is for, when a known structure includes its slots. */
  String role(CommitLayout.Structure structure) {
    KnownStructures.Found known = owners.structures().claiming(structure.slot());
    if (known == null) {
      return "";
    }
    return known.directorySlot() == structure.slot() ? "directory of the " + known.name() : "part of the " + known.name();
  }

  /** A fraction rounded to six places, so JSON shows 0.002206 rather than seventeen digits. */
  static double rounded(double fraction) {
    return Math.round(fraction * 1e6) / 1e6;
  }

  static Map<String, Object> treeJson(TreeShape shape) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("height", shape.height());
    json.put("nodes", shape.nodes());
    json.put("fill", rounded(shape.fill()));
    List<Object> levels = new ArrayList<>();
    for (TreeLevel level : shape.levels()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("level", level.level());
      one.put("nodes", level.nodes());
      one.put("slots", level.slots());
      one.put("usedSlots", level.usedSlots());
      one.put("fill", rounded(level.fill()));
      levels.add(one);
    }
    json.put("levels", levels);
    return json;
  }

  /** The whole report, in a fixed key order. */
  Map<String, Object> toJson(Path file, boolean writerLive) {
    CommitLayout layout = owners.layout();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("file", file.toString());
    json.put("generation", layout.generation());
    json.put("writerLive", writerLive);
    json.put("pageSize", layout.pageSize());
    json.put("pageCount", layout.pageCount());
    json.put("size", disk.toJson());
    json.put("freeSpaceTree", treeJson(layout.freeSpaceTree()));
    // Named as pager pages names a structure node: "structure" bitmap or array, "partOf" the known
    // structure's name, "nodeKind" the kind its nodes have there and in pagesByOwner. Not
    // "structures", which info and verify give to the known structures themselves.
    List<Object> trees = new ArrayList<>();
    for (CommitLayout.Structure structure : layout.structures()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("slot", structure.slot());
      one.put("structure", structure.isBitmap() ? "bitmap" : "array");
      one.put("recordSize", structure.shape().recordSize());
      KnownStructures.Found known = owners.structures().claiming(structure.slot());
      one.put("partOf", Optional.ofNullable(known == null ? null : known.name()));
      one.put("nodeKind", known != null && known.directorySlot() == structure.slot() ? "directoryNode" : "structureNode");
      one.putAll(treeJson(structure.shape()));
      trees.add(one);
    }
    json.put("structureTrees", trees);
    List<Object> allocators = new ArrayList<>();
    for (SubPages sub : subPages) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("baseSlot", sub.baseSlot());
      one.put("subPageSize", sub.subPageSize());
      one.put("parentPages", sub.parents());
      one.put("usedSubPages", sub.used());
      one.put("subPageCapacity", sub.capacity());
      one.put("fill", rounded(sub.fill()));
      allocators.add(one);
    }
    json.put("subPageAllocators", allocators);
    json.put("pagesByOwner", counts.byKind());
    json.put("totalPages", counts.total());
    Map<String, Object> runs = new LinkedHashMap<>();
    runs.put("freePages", freeRuns.pages());
    runs.put("runs", freeRuns.runs());
    runs.put("largestRun", freeRuns.largest());
    runs.put("fragmentation", rounded(freeRuns.fragmentation()));
    runs.put("histogram", freeRuns.histogram().stream().map(FreeRuns.Bucket::toJson).toList());
    json.put("freeRuns", runs);
    return json;
  }
}
