package io.github.pager.cli;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.core.Pager;
import io.github.pager.core.RootCatalog;
import io.github.pager.core.RootClaim;
import io.github.pager.core.StaleViewException;
import io.github.pager.core.StructureInspection;
import io.github.pager.core.StructureInspector;
import io.github.pager.core.Transaction;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The layers' structures a file holds, found by the configuration values they keep in root
 * slots (sub-page allocators and protected pages) and by the claims of the file's {@link
 * RootCatalog}: the catalog itself, and each structure it names whose kind a {@link
 * StructureInspector} on the module path knows (a key-value store of pager-kv, say, or a
 * structure of the application's own, loaded with {@link ServiceLoader}). In the slots left over,
 * the inspectors find the structures that live there without a claim by their own root values
 * ({@link StructureInspector#inspectUnclaimed}: a key-value store opened without a name). Each
 * can check itself and name the pages it owns.
 */
final class KnownStructures {

  /** One structure found: where it lives, what it is, and how to check it. */
  interface Found {
    int firstSlot();

    int lastSlot();

    /** What it is and how much it holds, for a person. */
    String description();

    /** What it is, as one word for programs: {@code subPageAllocator}, {@code protectedPages}. */
    String kind();

    /** How many sub-pages or protected pages it has in use; empty when its state could not be read. */
    OptionalInt inUse();

    /** Every problem it finds in itself; empty when all is well. */
    List<String> verify() throws IOException;

    /** The pages it owns: its data pages and its trees' nodes. */
    Set<Long> ownedPages() throws IOException;

    /** What it is and where, to name it beside the pages it owns ("sub-page allocator at slots 4-8"). */
    String name();

    /**
     * Gives the label of every data page it owns to {@code sink}: the pages beside its trees'
     * nodes, which {@link io.github.pager.core.CommitLayout} finds by itself.
     */
    void labelDataPages(BiConsumer<Long, PageOwner> sink) throws IOException;

    /** The first root slot of its directory (a tree of its own with that role), or -1 when it has none. */
    default int directorySlot() {
      return -1;
    }

    /**
     * Where it lives and what it is, as fields (the {@code description} sentence is for people),
     * in a fixed key order for JSON.
     */
    default Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("kind", kind());
      json.put("firstSlot", firstSlot());
      json.put("lastSlot", lastSlot());
      json.put("name", name());
      json.put("inUse", inUse());
      json.put("description", description());
      return json;
    }
  }

  /** A count for a description, and the number itself unless the state was unreadable. */
  private record Count(OptionalInt inUse, String text) {}

  private record SubPages(int firstSlot, int lastSlot, int subPageSize, Count count, SubPageAllocator allocator)
      implements Found {
    @Override
    public String description() {
      return "sub-page allocator: " + subPageSize + "-byte sub-pages, " + count.text();
    }

    @Override
    public String kind() {
      return "subPageAllocator";
    }

    @Override
    public OptionalInt inUse() {
      return count.inUse();
    }

    @Override
    public Map<String, Object> toJson() {
      Map<String, Object> json = Found.super.toJson();
      json.put("subPageSize", subPageSize);
      return json;
    }

    @Override
    public List<String> verify() throws IOException {
      return allocator.verify();
    }

    @Override
    public Set<Long> ownedPages() throws IOException {
      return allocator.ownedPages();
    }

    @Override
    public String name() {
      return "sub-page allocator at slots " + firstSlot + "-" + lastSlot;
    }

    @Override
    public void labelDataPages(BiConsumer<Long, PageOwner> sink) throws IOException {
      Map<Long, Integer> used = new TreeMap<>();
      allocator.forEachAllocated(id -> used.merge(id.page(), 1, Integer::sum));
      used.forEach((page, usedHere) -> sink.accept(
          page, new PageOwner.SubPageParent(firstSlot, allocator.pageSize(), usedHere, allocator.subPagesPerPage())));
    }
  }

  private record ProtectedPages(int firstSlot, int lastSlot, Count count, ProtectedPageAllocator allocator)
      implements Found {
    @Override
    public String description() {
      return "protected pages: " + count.text();
    }

    @Override
    public String kind() {
      return "protectedPages";
    }

    @Override
    public OptionalInt inUse() {
      return count.inUse();
    }

    /** The protected store reports its first problem as an exception naming it. */
    @Override
    public List<String> verify() throws IOException {
      allocator.verify();
      return List.of();
    }

    @Override
    public Set<Long> ownedPages() throws IOException {
      return allocator.ownedPages();
    }

    @Override
    public String name() {
      return "protected pages at slots " + firstSlot + "-" + lastSlot;
    }

    @Override
    public void labelDataPages(BiConsumer<Long, PageOwner> sink) throws IOException {
      allocator.forEachCopies(copies -> {
        sink.accept(copies.copyA(), new PageOwner.ProtectedCopy(firstSlot, copies.id(), "A", copies.activeIsA()));
        sink.accept(copies.copyB(), new PageOwner.ProtectedCopy(firstSlot, copies.id(), "B", !copies.activeIsA()));
      });
    }

    @Override
    public int directorySlot() {
      return allocator.directorySlot();
    }
  }

  /** The root catalog's own array of claims, at slots 30-31: its nodes are its pages. */
  private record Catalog(int firstSlot, int lastSlot, String description, Pager pager) implements Found {
    @Override
    public String kind() {
      return "rootCatalog";
    }

    @Override
    public OptionalInt inUse() {
      return OptionalInt.empty();
    }

    @Override
    public List<String> verify() throws IOException {
      return pager.readArray(RootCatalog.CATALOG_SLOT, RootCatalog.RECORD_SIZE).verify();
    }

    @Override
    public Set<Long> ownedPages() throws IOException {
      return pager.readArray(RootCatalog.CATALOG_SLOT, RootCatalog.RECORD_SIZE).nodePages();
    }

    @Override
    public String name() {
      return "root catalog at slots " + firstSlot + "-" + lastSlot;
    }

    /** Its pages are its array's nodes, which the commit layout labels by itself. */
    @Override
    public void labelDataPages(BiConsumer<Long, PageOwner> sink) {}
  }

  /**
   * A structure checked by the {@link StructureInspector} of its kind: one the catalog names, or
   * one found without a claim ({@code structureName} null).
   */
  private record Inspected(int firstSlot, int lastSlot, String description, String structureKind,
      @Nullable String structureName, StructureInspection inspection) implements Found {
    /** The kind its claim names ({@code pager-kv}): the word its inspector answers to. */
    @Override
    public String kind() {
      return structureKind;
    }

    @Override
    public OptionalInt inUse() {
      return OptionalInt.empty();
    }

    @Override
    public List<String> verify() throws IOException {
      return inspection.verify();
    }

    @Override
    public Set<Long> ownedPages() throws IOException {
      Set<Long> pages = new HashSet<>();
      inspection.forEachPage((page, role, label) -> pages.add(page));
      return pages;
    }

    @Override
    public String name() {
      return named(structureKind, structureName, firstSlot, lastSlot);
    }

    @Override
    public void labelDataPages(BiConsumer<Long, PageOwner> sink) throws IOException {
      inspection.forEachPage((page, role, label) -> sink.accept(
          page, new PageOwner.StructurePage(structureName, structureKind, firstSlot, role, label)));
    }
  }

  /**
   * A structure that cannot be checked: the catalog names it but no inspector of its kind is on
   * the module path (it owns no page as far as the tool knows), or opening it failed ({@code
   * problem}, which verify reports). {@code structureName} is null for one found without a claim.
   */
  private record Unchecked(int firstSlot, int lastSlot, String description, String structureKind,
      @Nullable String structureName, @Nullable String problem) implements Found {
    @Override
    public String kind() {
      return structureKind;
    }

    @Override
    public OptionalInt inUse() {
      return OptionalInt.empty();
    }

    @Override
    public List<String> verify() {
      return problem == null ? List.of() : List.of(problem);
    }

    @Override
    public Set<Long> ownedPages() {
      return Set.of();
    }

    @Override
    public String name() {
      return named(structureKind, structureName, firstSlot, lastSlot);
    }

    @Override
    public void labelDataPages(BiConsumer<Long, PageOwner> sink) {}
  }

  /** {@code pager-kv "orders" at slots 0-3}, or {@code pager-kv at slots 16-19} without a name. */
  private static String named(String kind, @Nullable String name, int firstSlot, int lastSlot) {
    return kind + (name == null ? "" : " \"" + name + "\"") + " at slots " + firstSlot + "-" + lastSlot;
  }

  private final List<Found> found;

  private KnownStructures(List<Found> found) {
    this.found = found;
  }

  /**
   * Every problem of every structure the commit a pager reads holds: what {@code verify} checks
   * beyond the free-space tree, and what {@code recover} and {@code rollback} check of a commit
   * before they make it current ({@link io.github.pager.core.PageFileRepair.StructureCheck}).
   */
  static List<String> problemsOf(Pager pager) throws IOException {
    return find(pager).verify();
  }

  static KnownStructures find(Pager pager) throws IOException {
    List<Found> found = new ArrayList<>();
    for (int slot = 0; slot < Transaction.ROOT_SLOTS; slot++) {
      OptionalInt size = SubPageAllocator.storedSubPageSize(pager, slot);
      if (size.isPresent()) {
        int last = slot + SubPageAllocator.ROOT_SLOTS_USED - 1;
        SubPageAllocator allocator = SubPageAllocator.open(pager, slot, size.getAsInt());
        found.add(new SubPages(slot, last, size.getAsInt(), count(pager, () -> {
              int[] n = {0};
              allocator.forEachAllocated(id -> n[0]++);
              return n[0];
            }), allocator));
        slot = last;
      } else if (ProtectedPageAllocator.isStoredAt(pager, slot)) {
        int last = slot + ProtectedPageAllocator.ROOT_SLOTS_USED - 1;
        ProtectedPageAllocator allocator = ProtectedPageAllocator.open(pager, slot);
        found.add(new ProtectedPages(slot, last, count(pager, () -> allocator.allocatedIds().size()), allocator));
        slot = last;
      }
    }
    Map<String, StructureInspector> inspectors = inspectors();
    if (addClaimed(pager, found, inspectors)) {
      addUnclaimed(pager, found, inspectors.values());
    }
    return new KnownStructures(found);
  }

  /**
   * Adds the root catalog and the structures it names that the probe above did not find: those
   * whose kind an inspector on the module path knows are checked by it.
   *
   * @return false when the catalog is unreadable (which claims there are is not known)
   */
  private static boolean addClaimed(Pager pager, List<Found> found, Map<String, StructureInspector> inspectors)
      throws IOException {
    RootCatalog catalog;
    try {
      catalog = RootCatalog.of(pager);
    } catch (StaleViewException stale) {
      throw stale;
    } catch (IOException | RuntimeException unreadable) {
      pager.requireCurrentView("the root catalog: " + Failures.message(unreadable));
      RootClaim self = RootCatalog.SELF;
      found.add(new Unchecked(self.firstSlot(), self.lastSlot(), "root catalog: unreadable", self.kind(), self.name(),
          "the root catalog is unreadable: " + Failures.message(unreadable)));
      return false;
    }
    for (RootClaim claim : catalog.claims()) {
      if (claim.equals(RootCatalog.SELF)) {
        found.add(new Catalog(claim.firstSlot(), claim.lastSlot(),
            "root catalog: " + (catalog.claims().size() - 1) + " claim(s)", pager));
        continue;
      }
      if (found.stream().anyMatch(known -> claim.overlaps(known.firstSlot(), known.lastSlot() - known.firstSlot() + 1))) {
        continue; // found by its configuration value above
      }
      StructureInspector inspector = inspectors.get(claim.kind());
      if (inspector == null) {
        found.add(new Unchecked(claim.firstSlot(), claim.lastSlot(), claim.kind() + " \"" + claim.name()
            + "\": not checked (no inspector of this kind on the module path)", claim.kind(), claim.name(), null));
        continue;
      }
      try {
        StructureInspection inspection = inspector.inspect(pager, claim);
        found.add(new Inspected(claim.firstSlot(), claim.lastSlot(), claim.kind() + " \"" + claim.name() + "\", "
            + describe(pager, inspection), claim.kind(), claim.name(), inspection));
      } catch (StaleViewException stale) {
        throw stale;
      } catch (IOException | RuntimeException unreadable) {
        pager.requireCurrentView("the structure that failed: " + Failures.message(unreadable));
        found.add(new Unchecked(claim.firstSlot(), claim.lastSlot(), claim.kind() + " \"" + claim.name()
            + "\": unreadable", claim.kind(), claim.name(), "cannot open " + claim + ": " + Failures.message(unreadable)));
      }
    }
    return true;
  }

  /**
   * Adds the structures that live without a claim in the slots no structure found so far covers,
   * as the inspectors recognise them by their own root values (a key-value store opened without a
   * name, at its default slots or any others). A plain value of the application in those slots
   * is no structure's signature, so its pages stay the application's.
   */
  private static void addUnclaimed(Pager pager, List<Found> found, Collection<StructureInspector> inspectors)
      throws StaleViewException {
    int slot = 0;
    while (slot < Transaction.ROOT_SLOTS) {
      int next = slot + 1;
      if (!covered(found, slot, 1)) {
        for (StructureInspector inspector : inspectors) {
          Found at = unclaimedAt(pager, found, inspector, slot);
          if (at != null) {
            found.add(at);
            next = at.lastSlot() + 1;
            break;
          }
        }
      }
      slot = next;
    }
  }

  /** The structure of {@code inspector}'s kind whose first slot is {@code slot}, without a claim, or null. */
  private static @Nullable Found unclaimedAt(Pager pager, List<Found> found, StructureInspector inspector, int slot)
      throws StaleViewException {
    String kind = inspector.kind();
    Optional<StructureInspector.Unclaimed> at;
    try {
      at = inspector.inspectUnclaimed(pager, slot);
    } catch (StaleViewException stale) {
      throw stale;
    } catch (IOException | RuntimeException unreadable) {
      // Its signature is there, or the inspector would not have tried to open it.
      pager.requireCurrentView("the structure that failed: " + Failures.message(unreadable));
      return new Unchecked(slot, slot, kind + " without a name: unreadable", kind, null,
          "cannot open the " + kind + " at slot " + slot + ": " + Failures.message(unreadable));
    }
    if (at.isEmpty() || at.get().firstSlot() != slot || covered(found, slot, at.get().slotCount())) {
      return null;
    }
    StructureInspection inspection = at.get().inspection();
    return new Inspected(slot, at.get().lastSlot(), kind + " without a name, " + describe(pager, inspection), kind,
        null, inspection);
  }

  /** Tells whether a structure found so far uses one of the slots {@code [first, first + count)}. */
  private static boolean covered(List<Found> found, int first, int count) {
    return found.stream().anyMatch(f -> f.firstSlot() < first + count && first <= f.lastSlot());
  }

  /** The inspectors on the module path (or class path), by kind; the first of a kind wins. */
  private static Map<String, StructureInspector> inspectors() {
    Map<String, StructureInspector> byKind = new LinkedHashMap<>();
    for (StructureInspector inspector : ServiceLoader.load(StructureInspector.class)) {
      byKind.putIfAbsent(inspector.kind(), inspector);
    }
    return byKind;
  }

  /** What an inspected structure says it holds, or why that cannot be said. */
  private static String describe(Pager pager, StructureInspection inspection) throws StaleViewException {
    try {
      return inspection.description();
    } catch (StaleViewException stale) {
      throw stale;
    } catch (IOException | RuntimeException unreadable) {
      pager.requireCurrentView("the structure that failed: " + Failures.message(unreadable));
      return "state unreadable (" + Failures.message(unreadable) + ")";
    }
  }

  @FunctionalInterface
  private interface Counter {
    int count() throws IOException;
  }

  /**
   * The count for a description, or why it could not be had; a failure read from a commit that a
   * writer in another process has since overtaken is not a fact about the file and is thrown.
   */
  private static Count count(Pager pager, Counter counter) throws StaleViewException {
    try {
      int inUse = counter.count();
      return new Count(OptionalInt.of(inUse), inUse + " in use");
    } catch (StaleViewException stale) {
      throw stale;
    } catch (IOException | RuntimeException unreadable) {
      pager.requireCurrentView("the structure that failed: " + Failures.message(unreadable));
      return new Count(OptionalInt.empty(), "state unreadable (" + Failures.message(unreadable) + ")");
    }
  }

  List<Found> all() {
    return found;
  }

  /**
   * Every problem each structure finds in itself, prefixed by where it lives; a structure too
   * damaged to be walked is one problem, not a failure of the whole check.
   */
  List<String> verify() {
    List<String> problems = new ArrayList<>();
    for (Found structure : found) {
      String where = "slots " + structure.firstSlot() + "-" + structure.lastSlot() + ": ";
      try {
        for (String problem : structure.verify()) {
          problems.add(where + problem);
        }
      } catch (IOException | RuntimeException unreadable) {
        problems.add(where + Failures.message(unreadable));
      }
    }
    return problems;
  }

  /**
   * The pages the structures own. A structure that cannot be walked (already reported by {@link
   * #verify()}) contributes nothing, so the page accounting shows its pages as unowned.
   */
  Set<Long> ownedPages() {
    Set<Long> pages = new HashSet<>();
    for (Found structure : found) {
      try {
        pages.addAll(structure.ownedPages());
      } catch (IOException | RuntimeException unreadable) {
        // Reported by verify().
      }
    }
    return pages;
  }

  /** The structure whose root slots include {@code slot}, or null. */
  @Nullable Found claiming(int slot) {
    return found.stream().filter(f -> slot >= f.firstSlot() && slot <= f.lastSlot()).findFirst().orElse(null);
  }

  /** Tells whether a root slot belongs to one of the structures. */
  boolean claims(int slot) {
    return found.stream().anyMatch(f -> slot >= f.firstSlot() && slot <= f.lastSlot());
  }
}
