package io.github.pager.cli;

import io.github.pager.core.PageFileInspection;
import io.github.pager.core.PageFileInspection.MetadataCopy;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * The {@code result} of {@code pager dump --json}: the page's owner as {@code pager pages} gives it,
 * the superblock or metadata record decoded into fields (named as {@code info} names them), and the
 * page's bytes as one string of hex digits.
 */
final class DumpJson {
  private DumpJson() {}

  /**
   * The result.
   *
   * @param view the commit the page was read from, or null when the file does not open or
   *     {@code --page-size} was given
   * @param openProblem why the file does not open, or null
   * @param inspection the superblock and metadata copies, or null when not read
   */
  static Map<String, Object> of(
      Path file, long page, int pageSize, PageOwner owner, @Nullable CommitView view, boolean fromSnapshot,
      @Nullable String openProblem, @Nullable PageFileInspection inspection, byte[] bytes) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("file", file.toString());
    json.put("page", page);
    json.put("pageSize", pageSize);
    json.put("offset", page * pageSize);
    json.put("owner", owner.fields());
    json.put("generation", view == null ? OptionalLong.empty() : OptionalLong.of(view.pager().generation()));
    json.put("writerLive", view != null && view.writerLive());
    json.put("fromSnapshot", fromSnapshot);
    json.put("openProblem", Optional.ofNullable(openProblem));
    if (inspection != null && page == 0) {
      json.put("superblock", superblock(inspection));
    } else if (inspection != null && (page == 1 || page == 2)) {
      json.put("metadata", metadata(inspection, (int) page));
    }
    json.put("hex", HexFormat.of().formatHex(bytes));
    return json;
  }

  private static Map<String, Object> superblock(PageFileInspection inspection) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("formatVersion", inspection.formatVersion());
    json.put("pageSize", inspection.pageSize());
    json.put("problem", Optional.ofNullable(inspection.superblockProblem()));
    int active = inspection.activeSlot();
    json.put("activeMetadata", active == 0 ? Optional.empty() : Optional.of(active == 1 ? "A" : "B"));
    json.put("activeCrc", crc(inspection.activeCrc()));
    json.put("generation", inspection.generation());
    return json;
  }

  private static Map<String, Object> metadata(PageFileInspection inspection, int slot) {
    MetadataCopy copy = inspection.copy(slot);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("copy", slot == 1 ? "A" : "B");
    json.put("active", slot == inspection.activeSlot());
    json.put("usable", copy.usable());
    json.put("problem", Optional.ofNullable(copy.problem()));
    json.put("generation", copy.generation());
    json.put("pageCount", copy.pageCount());
    json.put("freePageCount", copy.freeCount());
    json.put("treeRootPage", copy.treeRoot());
    json.put("treeHeight", copy.treeHeight());
    json.put("crc", crc(copy.crc()));
    json.put("inlinePendingRuns", copy.inlinePendingRuns());
    json.put("pendingListHead", copy.pendingListHead());
    json.put("pendingChainPages", copy.pendingChainPages());
    Map<String, Object> roots = new LinkedHashMap<>();
    for (int i = 0; i < copy.roots().size(); i++) {
      if (copy.roots().get(i) != 0) {
        roots.put(Integer.toString(i), copy.roots().get(i));
      }
    }
    json.put("roots", roots);
    return json;
  }

  /** A CRC32C as the text shows it: eight hex digits. */
  private static String crc(int crc) {
    return String.format("%08x", crc);
  }
}
