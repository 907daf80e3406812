package io.github.pager.core;

import java.io.IOException;
import java.util.List;

/**
 * One structure, opened by a {@link StructureInspector} for a tool: what it is, what is wrong
 * with it, and which pages it owns, each with a label. The tool counts every page it owns as
 * accounted for, and labels each as the inspection says.
 */
public interface StructureInspection {
  /** Receives the pages a structure owns. */
  @FunctionalInterface
  interface PageVisitor {
    /**
     * Receives one page.
     *
     * @param page the page's index
     * @param role what the page is, as a short fixed word a script can match ({@code "node"},
     *     {@code "overflow"})
     * @param label what the page is, for a person ("leaf node", "overflow page 2 of 3 of a value
     *     in node 17")
     */
    void page(long page, String role, String label);
  }

  /**
   * Says what the structure is and how much it holds, in a line for a person.
   *
   * @return the description ("key-value store: 1,000 entries, height 2")
   * @throws IOException when the structure cannot be read
   */
  String description() throws IOException;

  /**
   * Checks the whole structure.
   *
   * @return one line per problem, each naming the page concerned; empty when all is well
   * @throws IOException when the structure cannot be read at all
   */
  List<String> verify() throws IOException;

  /**
   * Calls {@code visitor} with every page the structure owns, each once, the nodes of any {@link
   * PersistentBitmap} or {@link PersistentArray} it keeps included: a page it leaves out counts
   * as owned by no known structure ({@code pager verify --strict} calls that a problem).
   *
   * @param visitor receives the pages
   * @throws IOException when the structure cannot be read
   */
  void forEachPage(PageVisitor visitor) throws IOException;
}
