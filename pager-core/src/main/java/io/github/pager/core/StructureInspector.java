package io.github.pager.core;

import java.io.IOException;

/**
 * Lets tools check a kind of structure they were not built with: a service that a module
 * defining a structure provides, and that a tool such as {@code pager verify}, {@code pager
 * stats} and {@code pager pages} loads with {@link java.util.ServiceLoader}, to check each
 * structure of that kind a file's {@link RootCatalog} names and to label the pages it owns.
 *
 * <p>A module provides it in its {@code module-info.java}, and for class-path use in {@code
 * META-INF/services/io.github.pager.core.StructureInspector}:
 *
 * <pre>{@code
 * module my.index {
 *   requires io.github.pager.core;
 *   provides io.github.pager.core.StructureInspector with my.index.IndexInspector;
 * }
 * }</pre>
 *
 * <p>and a tool finds it by the kind of a claim:
 *
 * <pre>{@code
 * for (StructureInspector inspector : ServiceLoader.load(StructureInspector.class)) {
 *   if (inspector.kind().equals(claim.kind())) {
 *     StructureInspection found = inspector.inspect(pager, claim);
 *   }
 * }
 * }</pre>
 *
 * <p>The implementation needs a public class with a public constructor without arguments; it
 * depends on pager-core only, never on the tool.
 */
public interface StructureInspector {
  /**
   * Returns the kind of structure it inspects: the {@link RootClaim#kind()} its structures
   * claim their root slots with.
   *
   * @return the kind
   */
  String kind();

  /**
   * Opens the structure a claim names, to read it: no change to the file, and no I/O needed
   * before the inspection's methods are called.
   *
   * @param pager an open pager, usually read-only; the inspection reads its last commit (or,
   *     through a snapshot it takes, one commit throughout)
   * @param claim the structure's claim, of this inspector's kind
   * @return the inspection
   * @throws IOException when the structure's root values are unreadable or not of this kind
   */
  StructureInspection inspect(Pager pager, RootClaim claim) throws IOException;
}
