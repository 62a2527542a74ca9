# Shared by bench/pg-serve-ab.sh and bench/pg-serve-profile.sh: source it after scripts/jdk.sh. Reads
# HINDSIGHT_PG_URL (required) and _USER / _PASSWORD (default hindsight); sets PG_URL, DB, HOSTPORT, PSQL (psql on that
# database, quiet, unaligned, tuples only) and JAVA (the selected JDK's java with the flags the jars need).
# shellcheck shell=bash
PG_URL=${HINDSIGHT_PG_URL:?set HINDSIGHT_PG_URL}
export HINDSIGHT_PG_USER=${HINDSIGHT_PG_USER:-hindsight} HINDSIGHT_PG_PASSWORD=${HINDSIGHT_PG_PASSWORD:-hindsight}
export PGPASSWORD=$HINDSIGHT_PG_PASSWORD
DB=${PG_URL##*/}
DB=${DB%%\?*}
HOSTPORT=${PG_URL#jdbc:postgresql://}
HOSTPORT=${HOSTPORT%%/*}
PSQL=(psql -h "${HOSTPORT%%:*}" -p "${HOSTPORT##*:}" -U "$HINDSIGHT_PG_USER" -d "$DB" -qAt)
JAVA=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow)
