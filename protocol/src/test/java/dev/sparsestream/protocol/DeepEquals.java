package dev.sparsestream.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;

/**
 * Value equality for protocol objects: records component by component, lists element by element, arrays
 * by content (records compare arrays by identity, which a round trip never preserves), anything else with
 * {@code equals}. Failures name the path to the differing value.
 */
final class DeepEquals {

    private DeepEquals() {
    }

    static void assertDeepEquals(Object expected, Object actual) {
        assertDeepEquals(expected, actual, expected == null ? "null" : expected.getClass().getSimpleName());
    }

    private static void assertDeepEquals(Object expected, Object actual, String path) {
        if (expected == null) {
            assertNull(actual, path);
            return;
        }
        assertNotNull(actual, path);
        if (expected instanceof List<?> e) {
            List<?> a = assertInstanceOf(List.class, actual, path);
            assertEquals(e.size(), a.size(), path + ".size()");
            for (int i = 0; i < e.size(); i++) {
                assertDeepEquals(e.get(i), a.get(i), path + "[" + i + "]");
            }
            return;
        }
        assertEquals(expected.getClass(), actual.getClass(), path);
        if (expected instanceof int[] e) {
            assertArrayEquals(e, (int[]) actual, path);
            return;
        }
        if (expected instanceof float[] e) {
            assertArrayEquals(e, (float[]) actual, path);
        } else if (expected instanceof Object[] e) {
            Object[] a = (Object[]) actual;
            assertEquals(e.length, a.length, path + ".length");
            for (int i = 0; i < e.length; i++) {
                assertDeepEquals(e[i], a[i], path + "[" + i + "]");
            }
        } else if (expected.getClass().isRecord()) {
            for (RecordComponent c : expected.getClass().getRecordComponents()) {
                assertDeepEquals(get(c, expected), get(c, actual), path + "." + c.getName());
            }
        } else if (expected.getClass().isArray()) {
            throw new AssertionError(path + ": no comparison for " + expected.getClass().getSimpleName());
        } else {
            assertEquals(expected, actual, path);
        }
    }

    private static Object get(RecordComponent c, Object record) {
        try {
            c.getAccessor().setAccessible(true);
            return c.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new AssertionError("cannot read " + c, e);
        }
    }
}
