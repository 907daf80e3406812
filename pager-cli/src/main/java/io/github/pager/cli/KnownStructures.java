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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * structure of the application's own, loaded with {@link ServiceLoader}). Each can check itself
 * and name the pages it owns.
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

  /** A structure the catalog names, checked by the {@link StructureInspector} of its kind. */
  private record Inspected(int firstSlot, int lastSlot, String description, RootClaim claim,
      StructureInspection inspection) implements Found {
    /** The kind its claim names ({@code pager-kv}): the word its inspector answers to. */
    @Override
    public String kind() {
      return claim.kind();
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
      return claim.kind() + " \"" + claim.name() + "\" at slots " + firstSlot + "-" + lastSlot;
    }

    @Override
    public void labelDataPages(BiConsumer<Long, PageOwner> sink) throws IOException {
      inspection.forEachPage((page, role, label) -> sink.accept(
          page, new PageOwner.StructurePage(claim.name(), claim.kind(), firstSlot, role, label)));
    }
  }

  /**
   * A structure the catalog names that cannot be checked: no inspector of its kind is on the
   * module path (it owns no page as far as the tool knows), or opening it failed ({@code
   * problem}, which verify reports).
   */
  private record Unchecked(int firstSlot, int lastSlot, String description, RootClaim claim, @Nullable String problem)
      implements Found {
    @Override
    public String kind() {
      return claim.kind();
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
      return claim.kind() + " \"" + claim.name() + "\" at slots " + firstSlot + "-" + lastSlot;
    }

    @Override
    public void labelDataPages(BiConsumer<Long, PageOwner> sink) {}
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
    addClaimed(pager, found);
    return new KnownStructures(found);
  }

  /**
   * Adds the root catalog and the structures it names that the probe above did not find: those
   * whose kind an inspector on the module path knows are checked by it.
   */
  private static void addClaimed(Pager pager, List<Found> found) throws IOException {
    RootCatalog catalog;
    try {
      catalog = RootCatalog.of(pager);
    } catch (StaleViewException stale) {
      throw stale;
    } catch (IOException | RuntimeException unreadable) {
      pager.requireCurrentView("the root catalog: " + Failures.message(unreadable));
      RootClaim self = RootCatalog.SELF;
      found.add(new Unchecked(self.firstSlot(), self.lastSlot(), "root catalog: unreadable", self,
          "the root catalog is unreadable: " + Failures.message(unreadable)));
      return;
    }
    Map<String, StructureInspector> inspectors = inspectors();
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
            + "\": not checked (no inspector of this kind on the module path)", claim, null));
        continue;
      }
      try {
        StructureInspection inspection = inspector.inspect(pager, claim);
        found.add(new Inspected(claim.firstSlot(), claim.lastSlot(), claim.kind() + " \"" + claim.name() + "\", "
            + describe(pager, inspection), claim, inspection));
      } catch (StaleViewException stale) {
        throw stale;
      } catch (IOException | RuntimeException unreadable) {
        pager.requireCurrentView("the structure that failed: " + Failures.message(unreadable));
        found.add(new Unchecked(claim.firstSlot(), claim.lastSlot(), claim.kind() + " \"" + claim.name()
            + "\": unreadable", claim, "cannot open " + claim + ": " + Failures.message(unreadable)));
      }
    }
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
