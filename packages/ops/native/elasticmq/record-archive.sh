#!/usr/bin/env bash
# Records ElasticMQ's class-data archive: starts the server once with -XX:ArchiveClassesAtExit,
# makes every SQS call the project makes (so the classes that serve them are in the archive
# too, not only those of the start), and stops it. Every later start maps those classes instead
# of loading them: about half the start-up time. Called by scripts/install-deps.sh.
# Usage: record-archive.sh <elasticmq dir with lib/> <archive file>
set -euo pipefail
emq=$1
archive=$2
conf="$emq/archive.conf"
log="$emq/archive.log"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf '%s\n' 'include classpath("application.conf")' \
  "rest-sqs { enabled = true, bind-port = $port, bind-hostname = \"127.0.0.1\" }" \
  'rest-stats { enabled = false }' >"$conf"
url=http://127.0.0.1:$port/

# The same flags as the supervised server (packages/ops/src/native/elasticmq.ts).
java -XX:ArchiveClassesAtExit="$archive" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
  -Dconfig.file="$conf" -cp "$emq/lib/*" org.elasticmq.server.Main >"$log" 2>&1 &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q 'ElasticMQ server .* started' "$log" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done

# One SQS call in the JSON protocol the AWS SDK speaks; prints the answer.
sqs() {
  curl -sS --max-time 10 -X POST -H "X-Amz-Target: AmazonSQS.$1" \
    -H 'Content-Type: application/x-amz-json-1.0' -d "$2" "$url"
}
field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

if kill -0 "$pid" 2>/dev/null; then
  sqs CreateQueue '{"QueueName":"archive-dlq"}' >/dev/null
  dlq=$(sqs GetQueueUrl '{"QueueName":"archive-dlq"}' | field QueueUrl)
  arn=$(sqs GetQueueAttributes "{\"QueueUrl\":\"$dlq\",\"AttributeNames\":[\"QueueArn\"]}" | field QueueArn)
  redrive="{\\\"deadLetterTargetArn\\\":\\\"$arn\\\",\\\"maxReceiveCount\\\":\\\"3\\\"}"
  sqs CreateQueue "{\"QueueName\":\"archive\",\"Attributes\":{\"RedrivePolicy\":\"$redrive\"}}" >/dev/null
  q=$(sqs GetQueueUrl '{"QueueName":"archive"}' | field QueueUrl)
  sqs ListQueues '{}' >/dev/null
  attribute='{"DataType":"String","StringValue":"v"}'
  sqs SendMessage "{\"QueueUrl\":\"$q\",\"MessageBody\":\"{}\",\"MessageAttributes\":{\"a\":$attribute}}" >/dev/null
  sqs SendMessageBatch "{\"QueueUrl\":\"$q\",\"Entries\":[{\"Id\":\"1\",\"MessageBody\":\"{}\",\"MessageAttributes\":{\"a\":$attribute}},{\"Id\":\"2\",\"MessageBody\":\"{}\"},{\"Id\":\"3\",\"MessageBody\":\"{}\"}]}" >/dev/null
  received=$(sqs ReceiveMessage "{\"QueueUrl\":\"$q\",\"MaxNumberOfMessages\":10,\"WaitTimeSeconds\":1,\"AttributeNames\":[\"All\"],\"MessageSystemAttributeNames\":[\"All\"],\"MessageAttributeNames\":[\"All\"]}")
  mapfile -t handles < <(grep -o '"ReceiptHandle":"[^"]*"' <<<"$received" | cut -d'"' -f4)
  if ((${#handles[@]} >= 3)); then
    sqs ChangeMessageVisibilityBatch "{\"QueueUrl\":\"$q\",\"Entries\":[{\"Id\":\"1\",\"ReceiptHandle\":\"${handles[0]}\",\"VisibilityTimeout\":0}]}" >/dev/null
    sqs DeleteMessage "{\"QueueUrl\":\"$q\",\"ReceiptHandle\":\"${handles[1]}\"}" >/dev/null
    sqs DeleteMessageBatch "{\"QueueUrl\":\"$q\",\"Entries\":[{\"Id\":\"1\",\"ReceiptHandle\":\"${handles[2]}\"}]}" >/dev/null
  fi
  sqs GetQueueAttributes "{\"QueueUrl\":\"$q\",\"AttributeNames\":[\"All\"]}" >/dev/null
  sqs PurgeQueue "{\"QueueUrl\":\"$q\"}" >/dev/null
  sqs DeleteQueue "{\"QueueUrl\":\"$q\"}" >/dev/null
  sqs DeleteQueue "{\"QueueUrl\":\"$dlq\"}" >/dev/null
  # An error answer, as for a queue a restart took away.
  sqs GetQueueUrl '{"QueueName":"archive-missing"}' >/dev/null
fi
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" || true
trap - EXIT
[[ -s $archive ]]
