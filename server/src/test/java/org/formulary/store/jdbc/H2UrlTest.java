package org.formulary.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The settings a file database gets so that acknowledged commits survive a killed process (the behaviour itself:
 * {@code CrashRecoveryTest}), and the URLs left alone.
 */
class H2UrlTest {

    @Test
    void fileDatabasesWriteEachCommitAndCloseOnlyWhenTheServerDoes() {
        assertEquals("jdbc:h2:file:/var/lib/formulary/db;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE",
                H2Url.of("jdbc:h2:file:/var/lib/formulary/db"));
        assertEquals("jdbc:h2:./data/formulary;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE",
                H2Url.of("jdbc:h2:./data/formulary;"), "a name without file: is a file too");
        assertEquals("jdbc:h2:file:./data/formulary;DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0",
                H2Url.of("jdbc:h2:file:./data/formulary;DB_CLOSE_ON_EXIT=FALSE"));
    }

    @Test
    void settingsTheUrlMakesItselfAreKept() {
        assertEquals("jdbc:h2:file:/db;write_delay=200;DB_CLOSE_ON_EXIT=FALSE",
                H2Url.of("jdbc:h2:file:/db;write_delay=200"));
    }

    @Test
    void inMemoryAndRemoteDatabasesAreLeftAlone() {
        for (String url : new String[] {"jdbc:h2:mem:test;DB_CLOSE_DELAY=-1", "jdbc:h2:tcp://db.example/formulary",
                "jdbc:h2:ssl://db.example/formulary", "jdbc:h2:zip:/backup.zip!/formulary"}) {
            assertEquals(url, H2Url.of(url));
        }
    }

    @Test
    void onlyH2IsSupported() {
        assertThrows(IllegalArgumentException.class, () -> H2Url.of("jdbc:postgresql://db/formulary"));
    }
}
