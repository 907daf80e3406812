/**
 * JUnit Jupiter integration: {@link io.github.pager.testkit.junit.CrashTest} marks a test that
 * receives a {@link io.github.pager.testkit.junit.CrashRunner} or a fresh {@link
 * io.github.pager.testkit.SimulatedStorage}.
 */
@NullMarked
package io.github.pager.testkit.junit;

import org.jspecify.annotations.NullMarked;
