package io.github.pager.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What one page of a file is for, and who owns it: the label {@code pager pages} prints for
 * every page and {@code pager dump} for the page it shows, so the two never disagree.
 *
 * <p>Each kind has a fixed {@link #kind()} name and its details as separate JSON fields (a
 * script reads {@code "kind":"protectedCopy","id":3,"copy":"B"}, never a sentence), and a
 * {@link #text()} for a person.
 */
sealed interface PageOwner {
  /** The kind's fixed name, the JSON {@code kind} field. */
  String kind();

  /** The label for a person. */
  String text();

  /** The kind and its details, in a fixed key order. */
  default Map<String, Object> fields() {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("kind", kind());
    details(fields);
    fields.put("label", text());
    return fields;
  }

  /** Adds the kind's details; most kinds have none. */
  default void details(Map<String, Object> fields) {}

  /** Page 0. */
  record Superblock() implements PageOwner {
    @Override
    public String kind() {
      return "superblock";
    }

    @Override
    public String text() {
      return "superblock";
    }
  }

  /** Page 1 (copy A) or 2 (copy B), the one the open used or the other. */
  record MetadataCopy(String copy, boolean active) implements PageOwner {
    @Override
    public String kind() {
      return "metadataCopy";
    }

    @Override
    public String text() {
      return "metadata copy " + copy + " (" + (active ? "active" : "alternate") + ")";
    }

    @Override
    public void details(Map<String, Object> fields) {
      fields.put("copy", copy);
      fields.put("active", active);
    }
  }

  /** Free in the free-space tree and not pending: the next allocation may take it. */
  record Free() implements PageOwner {
    @Override
    public String kind() {
      return "free";
    }

    @Override
    public String text() {
      return "free";
    }
  }

  /** Free, but not reusable until the reuse rule releases it (FORMAT.md, "Pending pages"). */
  record Pending(long freedBy) implements PageOwner {
    @Override
    public String kind() {
      return "pending";
    }

    @Override
    public String text() {
      return "pending (freed by generation " + freedBy + ")";
    }

    @Override
    public void details(Map<String, Object> fields) {
      fields.put("freedBy", freedBy);
    }
  }

  /** A node of the free-space tree. */
  record FreeSpaceTreeNode(int level, long index) implements PageOwner {
    @Override
    public String kind() {
      return "freeSpaceTreeNode";
    }

    @Override
    public String text() {
      return "free-space tree node (level " + level + ", index " + index + ")";
    }

    @Override
    public void details(Map<String, Object> fields) {
      fields.put("level", level);
      fields.put("index", index);
    }
  }

  /** A page of the pending list's chain, {@code position} from 1 at the head. */
  record PendingListPage(int position, int chainPages) implements PageOwner {
    @Override
    public String kind() {
      return "pendingListPage";
    }

    @Override
    public String text() {
      return "pending list chain page (" + position + " of " + chainPages + ")";
    }

    @Override
    public void details(Map<String, Object> fields) {
      fields.put("position", position);
      fields.put("chainPages", chainPages);
    }
  }

  /**
   * A node of a bitmap or record array under root slots {@code slot, slot + 1}; {@code partOf}
   * names the known structure whose slots include it, or is null.
   */
  record StructureNode(int slot, int recordSize, int level, long index, @Nullable String partOf)
      implements PageOwner {
    @Override
    public String kind() {
      return "structureNode";
    }

    @Override
    public String text() {
      return "structure node of root slot " + slot + " (" + structure() + ", level " + level + ", index " + index + ")"
          + (partOf == null ? "" : ", part of the " + partOf);
    }

    private String structure() {
      return recordSize == 0 ? "bitmap" : "array of " + recordSize + "-byte records";
    }

    @Override
    public void details(Map<String, Object> fields) {
      fields.put("slot", slot);
      fields.put("structure", recordSize == 0 ? "bitmap" : "array");
      fields.put("recordSize", recordSize);
      fields.put("level", level);
      fields.put("index", index);
      if (partOf != null) {
        fields.put("partOf", partOf);
      }
    }
  }

  /** A node of the directory of the protected pages whose slots start at {@code baseSlot}. */
  record DirectoryNode(int baseSlot, int level, long index) implements PageOwner {
    @Override
    public String kind() {
      return "directoryNode";
    }

    @Override
    public String text() {
      return "directory node of the protected pages at slot " + baseSlot + " (level " + level + ", index " + index + ")";
    }

    @Override
    public void details(Map<String, Object> fields) {
      fields.put("baseSlot", baseSlot);
      fields.put("level", level);
      fields.put("index", index);
    }
  }

  /** Copy A or B of protected page {@code id}, of the protected pages at {@code baseSlot}. */
  record ProtectedCopy(int baseSlot, long id, String copy, boolean active) implements PageOwner {
    @Override
    public String kind() {
      return "protectedCopy";
    }

    @Override
    public String text() {
      return "protected copy " + copy + " of id " + id + " (" + (active ? "active" : "inactive")
          + "), protected pages at slot " + baseSlot;
    }

    @Override
    public void details(Map<String, Object> fields) {
      fields.put("baseSlot", baseSlot);
      fields.put("id", id);
      fields.put("copy", copy);
      fields.put("active", active);
    }
  }

  /** A page divided into sub-pages by the sub-page allocator at {@code baseSlot}. */
  record SubPageParent(int baseSlot, int subPageSize, int usedSubPages, int subPagesPerPage) implements PageOwner {
    @Override
    public String kind() {
      return "subPageParent";
    }

    @Override
    public String text() {
      return "sub-page parent of the allocator at slot " + baseSlot + " (" + usedSubPages + " of " + subPagesPerPage
          + " " + subPageSize + "-byte sub-pages used)";
    }

    @Override
    public void details(Map<String, Object> fields) {
      fields.put("baseSlot", baseSlot);
      fields.put("subPageSize", subPageSize);
      fields.put("usedSubPages", usedSubPages);
      fields.put("subPagesPerPage", subPagesPerPage);
    }
  }

  /**
   * A page of a structure the root catalog names, or of one found without a claim by its root
   * values ({@code structure} null: a key-value store without a name), labelled by the inspector
   * of its kind ({@code io.github.pager.core.StructureInspector}): a key-value store's node or
   * overflow page, say.
   */
  record StructurePage(@Nullable String structure, String structureKind, int baseSlot, String role, String detail)
      implements PageOwner {
    @Override
    public String kind() {
      return "structurePage";
    }

    @Override
    public String text() {
      return detail + ", " + structureKind + (structure == null ? "" : " \"" + structure + "\"") + " at slot "
          + baseSlot;
    }

    @Override
    public void details(Map<String, Object> fields) {
      if (structure != null) {
        fields.put("structure", structure);
      }
      fields.put("structureKind", structureKind);
      fields.put("baseSlot", baseSlot);
      fields.put("role", role);
    }
  }

  /** Allocated, and owned by no structure the tool knows: the application's own page. */
  record User() implements PageOwner {
    @Override
    public String kind() {
      return "user";
    }

    @Override
    public String text() {
      return "user";
    }
  }

  /**
   * What {@code pager dump} shows when the owner cannot be known (the file does not open, or its
   * structures cannot be walked): a guess from the page's own header.
   */
  record Unknown(String guess) implements PageOwner {
    @Override
    public String kind() {
      return "unknown";
    }

    @Override
    public String text() {
      return guess;
    }
  }

  /** In the file but past the commit's page count: not part of the format (growth maps ahead). */
  record PastPageCount() implements PageOwner {
    @Override
    public String kind() {
      return "pastPageCount";
    }

    @Override
    public String text() {
      return "past the page count (not part of the format)";
    }
  }
}
