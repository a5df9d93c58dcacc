require "digest"

# Taking a stored run or session apart and sealing it again with a valid checksum, so
# fuzzing reaches the body's own checks (RunRecord's blob format).
module StoredBlobs
  module_function

  def body(blob) = blob.byteslice(Kobako::RunRecord::HEADER, blob.bytesize)

  def reseal(blob, body)
    blob.byteslice(0, Kobako::RunRecord::MAGIC.bytesize + 2) + Digest::SHA256.digest(body) + body
  end
end
