#!/usr/bin/env bash
# Starts a local S3-compatible server (s3proxy over a directory) for benchmarks and manual tries of the archive tier.
# Usage: bench/s3proxy.sh DIR BUCKET [PORT]   (PORT: default a free one; prints endpoint=http://127.0.0.1:PORT and the credentials; Ctrl-C stops it)
# Then: AWS_ACCESS_KEY_ID=hindsight-test AWS_SECRET_ACCESS_KEY=hindsight-test-secret \
#       ./hindsight serve --archive-url s3://BUCKET/PREFIX --s3-endpoint http://127.0.0.1:PORT ...
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jdk.sh
hindsight_select_jdk
dir=${1:?usage: bench/s3proxy.sh DIR BUCKET}
bucket=${2:?usage: bench/s3proxy.sh DIR BUCKET}
cp_file=archive/target/s3proxy.classpath
if [[ ! -f $cp_file || ! -d archive/target/test-classes ]]; then
  ./mvnw -q -pl archive test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=s3proxy.classpath >&2
  mv archive/s3proxy.classpath "$cp_file" 2>/dev/null || true
fi
exec "$JAVA_HOME/bin/java" -cp "archive/target/test-classes:archive/target/classes:$(cat "$cp_file")" \
  dev.hindsight.archive.S3TestServer "$dir" "$bucket" ${3:+"$3"}
