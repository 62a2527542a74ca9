package dev.hindsight.projection;

/**
 * The SQL database a read model lives in. Projections write one SQL text that both accept (both speak
 * {@code INSERT ... ON CONFLICT (...) DO UPDATE SET x = excluded.x}); the few differences are here.
 */
public enum Dialect {
    SQLITE,
    POSTGRES;

    /** Column type for JSON documents. */
    public String jsonType() {
        return this == POSTGRES ? "JSONB" : "TEXT";
    }

    /** A placeholder that casts a bound text parameter to the JSON column type. */
    public String jsonParam() {
        return this == POSTGRES ? "CAST(? AS JSONB)" : "?";
    }
}
