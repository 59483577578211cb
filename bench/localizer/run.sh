#!/usr/bin/env bash
# The localizer against C git and GNU tar on the same inputs, whole processes, on loopback.
# Inputs are made here from real files: a git repository with one commit per release of Guava's
# sources (from Maven Central), and a tarball of real files (this JDK and the local Maven repository).
# Usage: bench/localizer/run.sh [repeat]
set -euo pipefail
cd "$(dirname "$0")/../.."
REPEAT="${1:-3}"
mvn -B -q -DskipTests -pl bench/localizer -am install
BENCH=bench/localizer/target
WORK="${BENCH_WORK:-$BENCH/work}"
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
JAR="$(pwd)/localizer/target/localizer.jar"


# The repository: successive releases of Guava's sources, one commit each.
REPOS="$WORK/repos"
if [ ! -d "$REPOS/library.git" ]; then
  rm -rf "$REPOS" && mkdir -p "$REPOS/src" "$WORK/jars"
  git -C "$REPOS/src" init -q -b main
  for v in 28.0-jre 28.2-jre 29.0-jre 30.0-jre 30.1-jre 31.0-jre 31.1-jre 32.0.0-jre 32.1.0-jre 32.1.3-jre 33.0.0-jre 33.1.0-jre 33.2.0-jre 33.3.0-jre 33.4.0-jre; do
    mvn -B -q dependency:copy -Dartifact="com.google.guava:guava:$v:jar:sources" -DoutputDirectory="$WORK/jars"
    find "$REPOS/src" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
    (cd "$REPOS/src" && unzip -q -o "$WORK/jars/guava-$v-sources.jar" -x 'META-INF/*')
    git -C "$REPOS/src" add -A
    git -C "$REPOS/src" -c user.name=bench -c user.email=bench@example.org commit -q -m "guava $v"
  done
  git clone -q --bare "$REPOS/src" "$REPOS/library.git"
fi

# The tarballs: at least 500 MiB of real files.
DATA="$WORK/data"
if [ ! -f "$WORK/real.tar.gz" ]; then
  rm -rf "$DATA" && mkdir -p "$DATA"
  cp -r "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" "$DATA/jdk"
  # A distribution's JDK links into /etc (the localizer rightly refuses absolute links): keep real files only.
  find "$DATA" -type l -delete
  cp -r "$HOME/.m2/repository" "$DATA/m2"
  tar -C "$DATA" -czf "$WORK/real.tar.gz" .
  tar -C "$DATA" --zstd -cf "$WORK/real.tar.zst" .
fi
# The target is stated for archives of 500 MiB or more; a fresh machine's Maven repository is smaller.
for archive in "$WORK/real.tar.gz" "$WORK/real.tar.zst"; do
  if [ "$(stat -c %s "$archive")" -lt $((500 << 20)) ]; then
    echo "$archive is under 500 MiB: run the build and its tests first (they fill the local Maven repository), then delete $WORK/real.tar.* and run again" >&2
    exit 1
  fi
done
# A class-data-sharing archive, as the image would ship, trained on a clone and an unpack. A static
# one: JDK 17 leaves picocli's classes (Java 5 class files) out of a dynamic archive (-XX:ArchiveClassesAtExit).
rm -rf "$WORK/train"
java -XX:DumpLoadedClassList="$WORK/localizer.classlist" -jar "$JAR" --code-root "$WORK/train" --spec-file /dev/stdin >/dev/null 2>&1 <<SPEC
sources:
  - {name: repo, type: git, url: 'file://$REPOS/library.git'}
  - {name: data, type: archive, url: 'file://$WORK/real.tar.zst'}
SPEC
rm -rf "$WORK/train" "$WORK/localizer.jsa"
java -Xshare:dump -XX:SharedClassListFile="$WORK/localizer.classlist" -XX:SharedArchiveFile="$WORK/localizer.jsa" -cp "$JAR" >"$WORK/cds-dump.log" 2>&1 \
  || { cat "$WORK/cds-dump.log"; exit 1; }

echo "Unpacked size: $(du -sh "$DATA" | cut -f1); tar.gz $(du -h "$WORK/real.tar.gz" | cut -f1); tar.zst $(du -h "$WORK/real.tar.zst" | cut -f1); commits: $(git -C "$REPOS/library.git" rev-list --count HEAD)"

java -cp "$BENCH/classes:$(cat "$BENCH/classpath.txt")" io.submarine.bench.localizer.LocalizerBenchmark \
  --work "$WORK" --localizer-jar "$JAR" --cds-archive "$WORK/localizer.jsa" --repos "$REPOS" \
  --tar-gz "$WORK/real.tar.gz" --tar-zst "$WORK/real.tar.zst" --repeat "$REPEAT" | tee "$BENCH/results.md"
