package io.github.pager.core;

import java.nio.file.Path;

/**
 * What {@link Snapshot#copyTo} wrote.
 *
 * @param target the copy's path
 * @param generation the generation the copy opens at: the snapshot's
 * @param pageCount the copy's page count, reserved pages included (fewer than the snapshot's when
 *     the free tail was trimmed)
 * @param pagesInUse the pages copied because the snapshot's commit uses them: reserved pages,
 *     free-space tree nodes, layers' structures and user pages
 * @param bytesWritten the bytes written to the copy: its pages in use, and its free pages too
 *     unless the copy is sparse
 * @param fileBytes the copy's length: {@code pageCount} pages
 */
public record CopyReport(Path target, long generation, long pageCount, long pagesInUse, long bytesWritten, long fileBytes) {}
