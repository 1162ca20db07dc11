# Silo against the AWS SDK for Ruby (Debian's ruby-aws-sdk-s3): objects with
# metadata and content headers, multipart through upload_file and
# upload_stream, range reads, presigned GET and PUT, batch delete, listing with
# pagination and delimiters, flexible checksums, and a client in eu-west-1.
#
#   SILO_ENDPOINT=http://127.0.0.1:9000 SILO_ACCESS_KEY=... SILO_SECRET_KEY=... \
#     ruby tests/clients/ruby/s3_test.rb -v

require 'aws-sdk-s3'
require 'base64'
require 'digest'
require 'minitest/autorun'
require 'net/http'
require 'securerandom'
require 'tmpdir'
require 'uri'
require 'zlib'

MIB = 1024 * 1024

module Silo
  ENDPOINT = ENV.fetch('SILO_ENDPOINT')
  ACCESS_KEY = ENV.fetch('SILO_ACCESS_KEY')
  SECRET_KEY = ENV.fetch('SILO_SECRET_KEY')

  # Retries are off so that a failed request fails the test instead of being
  # hidden behind a retry that happens to succeed.
  def self.client(region: 'us-east-1')
    Aws::S3::Client.new(
      endpoint: ENDPOINT,
      region: region,
      access_key_id: ACCESS_KEY,
      secret_access_key: SECRET_KEY,
      force_path_style: true,
      retry_limit: 0,
      http_open_timeout: 5,
      http_read_timeout: 120
    )
  end

  # CRC32C (Castagnoli) in plain Ruby: the SDK only computes it with aws-crt,
  # which Debian does not ship.
  CRC32C_TABLE = (0..255).map do |n|
    8.times { n = n.odd? ? (n >> 1) ^ 0x82F63B78 : n >> 1 }
    n
  end.freeze

  def self.crc32c(data)
    crc = 0xFFFFFFFF
    data.each_byte { |b| crc = CRC32C_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8) }
    crc ^ 0xFFFFFFFF
  end

  def self.b64_u32(value)
    Base64.strict_encode64([value].pack('N'))
  end

  def self.checksum(algorithm, data)
    case algorithm
    when 'CRC32' then b64_u32(Zlib.crc32(data))
    when 'CRC32C' then b64_u32(crc32c(data))
    when 'SHA1' then Digest::SHA1.base64digest(data)
    when 'SHA256' then Digest::SHA256.base64digest(data)
    end
  end

  # The ETag S3 gives a multipart object: the MD5 of the parts' MD5s, "-N".
  def self.multipart_etag(data, part_size)
    parts = (0...data.bytesize).step(part_size).map { |off| data.byteslice(off, part_size) }
    %("#{Digest::MD5.hexdigest(parts.map { |p| Digest::MD5.digest(p) }.join)}-#{parts.size}")
  end
end

class SiloS3Test < Minitest::Test
  make_my_diffs_pretty!

  def setup
    @s3 = Silo.client
    @buckets = []
    @bucket = make_bucket
  end

  def teardown
    @buckets.each { |client, name| drop_bucket(client, name) }
  end

  def make_bucket(client = @s3, **params)
    name = "ruby-#{SecureRandom.hex(10)}"
    client.create_bucket(bucket: name, **params)
    @buckets << [client, name]
    name
  end

  def drop_bucket(client, name)
    client.list_objects_v2(bucket: name).each do |page|
      keys = page.contents.map { |o| { key: o.key } }
      client.delete_objects(bucket: name, delete: { objects: keys, quiet: true }) unless keys.empty?
    end
    client.list_multipart_uploads(bucket: name).uploads.each do |u|
      client.abort_multipart_upload(bucket: name, key: u.key, upload_id: u.upload_id)
    end
    client.delete_bucket(bucket: name)
  rescue Aws::S3::Errors::ServiceError => e
    warn "cleanup of #{name} failed: #{e.code} #{e.message}"
  end

  def read(key, bucket: @bucket, client: @s3, **params)
    client.get_object(bucket: bucket, key: key, **params).body.read.b
  end

  def assert_s3_error(code, status)
    err = assert_raises(Aws::S3::Errors::ServiceError) { yield }
    assert_equal code, err.code, "error code (message: #{err.message})"
    assert_equal status, err.context.http_response.status_code, 'HTTP status'
    err
  end

  # --- objects -------------------------------------------------------------

  def test_put_get_round_trip_with_metadata_and_content_headers
    body = "hello from ruby\n" + SecureRandom.random_bytes(4096)
    expires = Time.utc(2031, 1, 2, 3, 4, 5)
    put = @s3.put_object(
      bucket: @bucket, key: 'dir/héllo wörld+plus.txt', body: body,
      content_type: 'text/plain; charset=utf-8',
      content_disposition: 'attachment; filename="hello.txt"',
      content_encoding: 'identity',
      content_language: 'en-GB',
      cache_control: 'max-age=3600, public',
      expires: expires,
      metadata: { 'color' => 'blue', 'Mixed-Case' => 'Value With Spaces' }
    )
    assert_equal %("#{Digest::MD5.hexdigest(body)}"), put.etag

    [@s3.head_object(bucket: @bucket, key: 'dir/héllo wörld+plus.txt'),
     got = @s3.get_object(bucket: @bucket, key: 'dir/héllo wörld+plus.txt')].each do |r|
      assert_equal body.bytesize, r.content_length
      assert_equal put.etag, r.etag
      assert_equal 'text/plain; charset=utf-8', r.content_type
      assert_equal 'attachment; filename="hello.txt"', r.content_disposition
      assert_equal 'identity', r.content_encoding
      assert_equal 'en-GB', r.content_language
      assert_equal 'max-age=3600, public', r.cache_control
      assert_equal expires, r.expires
      assert_equal({ 'color' => 'blue', 'mixed-case' => 'Value With Spaces' }, r.metadata)
      assert_kind_of Time, r.last_modified
      assert_in_delta Time.now.to_f, r.last_modified.to_f, 300
    end
    assert_equal body.b, got.body.read.b

    # Response header overrides on GET.
    over = @s3.get_object(bucket: @bucket, key: 'dir/héllo wörld+plus.txt',
                          response_content_type: 'application/x-silo',
                          response_cache_control: 'no-store')
    assert_equal 'application/x-silo', over.content_type
    assert_equal 'no-store', over.cache_control

    # Overwrite replaces data and metadata.
    @s3.put_object(bucket: @bucket, key: 'dir/héllo wörld+plus.txt', body: 'v2')
    head = @s3.head_object(bucket: @bucket, key: 'dir/héllo wörld+plus.txt')
    assert_equal 2, head.content_length
    assert_equal({}, head.metadata)
    assert_equal 'v2', read('dir/héllo wörld+plus.txt')

    # Empty object.
    @s3.put_object(bucket: @bucket, key: 'empty', body: '')
    assert_equal 0, @s3.head_object(bucket: @bucket, key: 'empty').content_length
    assert_equal '', read('empty')

    assert_s3_error('NoSuchKey', 404) { @s3.get_object(bucket: @bucket, key: 'missing') }
    err = assert_raises(Aws::S3::Errors::NotFound) { @s3.head_object(bucket: @bucket, key: 'missing') }
    assert_equal 404, err.context.http_response.status_code
    assert_s3_error('NoSuchBucket', 404) { @s3.get_object(bucket: "#{@bucket}-none", key: 'x') }
  end

  def test_upload_file_multipart_and_download_file
    Dir.mktmpdir do |dir|
      src = File.join(dir, 'big.bin')
      data = SecureRandom.random_bytes(17 * MIB + 12_345)
      File.binwrite(src, data)

      obj = Aws::S3::Object.new(@bucket, 'multi/big.bin', client: @s3)
      parts_seen = []
      progress = proc { |bytes, _totals| parts_seen[bytes.size - 1] = true }
      assert obj.upload_file(src, multipart_threshold: 5 * MIB, content_type: 'application/x-big',
                                  metadata: { 'origin' => 'upload_file' }, progress_callback: progress)
      refute_empty parts_seen

      head = @s3.head_object(bucket: @bucket, key: 'multi/big.bin')
      assert_equal data.bytesize, head.content_length
      # 17 MiB in 5 MiB parts: 4 parts, and the multipart ETag.
      assert_equal Silo.multipart_etag(data, 5 * MIB), head.etag
      assert_equal 'application/x-big', head.content_type
      assert_equal({ 'origin' => 'upload_file' }, head.metadata)
      assert_equal 4, @s3.head_object(bucket: @bucket, key: 'multi/big.bin', part_number: 1).parts_count

      # GET by part number.
      part2 = @s3.get_object(bucket: @bucket, key: 'multi/big.bin', part_number: 2)
      assert_equal 5 * MIB, part2.content_length
      assert_equal "bytes #{5 * MIB}-#{10 * MIB - 1}/#{data.bytesize}", part2.content_range
      assert_equal Digest::SHA256.hexdigest(data.byteslice(5 * MIB, 5 * MIB)),
                   Digest::SHA256.hexdigest(part2.body.read)

      # download_file fetches by parts in threads.
      dst = File.join(dir, 'back.bin')
      assert obj.download_file(dst)
      assert_equal Digest::SHA256.hexdigest(data), Digest::SHA256.file(dst).hexdigest
      assert_equal Digest::SHA256.hexdigest(data), Digest::SHA256.hexdigest(read('multi/big.bin'))

      # Below the threshold: a single PUT, plain MD5 ETag.
      small = File.join(dir, 'small.bin')
      File.binwrite(small, data.byteslice(0, 3 * MIB))
      assert obj.upload_file(small, multipart_threshold: 5 * MIB)
      head = @s3.head_object(bucket: @bucket, key: 'multi/big.bin')
      assert_equal %("#{Digest::MD5.hexdigest(data.byteslice(0, 3 * MIB))}"), head.etag
      assert_equal 3 * MIB, head.content_length
    end
    assert_empty @s3.list_multipart_uploads(bucket: @bucket).uploads
  end

  def test_upload_stream_multipart
    obj = Aws::S3::Object.new(@bucket, 'stream/piped.bin', client: @s3)
    digest = Digest::SHA256.new
    md5s = []
    total = 0
    part = String.new(encoding: Encoding::BINARY)
    assert(obj.upload_stream(part_size: 5 * MIB, thread_count: 3, content_type: 'application/x-stream') do |write_stream|
      # 12.5 MiB written in odd-sized pieces: parts of 5, 5 and 2.5 MiB.
      while total < 12 * MIB + MIB / 2
        chunk = SecureRandom.random_bytes([777_777, 12 * MIB + MIB / 2 - total].min)
        write_stream << chunk
        digest << chunk
        total += chunk.bytesize
        part << chunk
        while part.bytesize >= 5 * MIB
          md5s << Digest::MD5.digest(part.byteslice(0, 5 * MIB))
          part = part.byteslice(5 * MIB..)
        end
      end
    end)
    md5s << Digest::MD5.digest(part) unless part.empty?

    head = @s3.head_object(bucket: @bucket, key: 'stream/piped.bin')
    assert_equal total, head.content_length
    assert_equal 'application/x-stream', head.content_type
    assert_equal %("#{Digest::MD5.hexdigest(md5s.join)}-3"), head.etag
    assert_equal digest.hexdigest, Digest::SHA256.hexdigest(read('stream/piped.bin'))
    assert_empty @s3.list_multipart_uploads(bucket: @bucket).uploads
  end

  def test_range_reads
    data = SecureRandom.random_bytes(100_000)
    @s3.put_object(bucket: @bucket, key: 'range.bin', body: data)
    {
      'bytes=0-9' => [0, 9],
      'bytes=100-199' => [100, 199],
      'bytes=99990-' => [99_990, 99_999],
      'bytes=-5' => [99_995, 99_999],
      'bytes=99000-200000' => [99_000, 99_999],
      'bytes=12345-12345' => [12_345, 12_345],
    }.each do |range, (first, last)|
      r = @s3.get_object(bucket: @bucket, key: 'range.bin', range: range)
      assert_equal 206, r.context.http_response.status_code, range
      assert_equal "bytes #{first}-#{last}/100000", r.content_range, range
      assert_equal last - first + 1, r.content_length, range
      assert_equal data.byteslice(first, last - first + 1).b, r.body.read.b, range
    end
    assert_s3_error('InvalidRange', 416) do
      @s3.get_object(bucket: @bucket, key: 'range.bin', range: 'bytes=100000-100010')
    end
    # A multipart object read across part boundaries.
    Dir.mktmpdir do |dir|
      big = SecureRandom.random_bytes(11 * MIB)
      File.binwrite(File.join(dir, 'b'), big)
      Aws::S3::Object.new(@bucket, 'range-mp.bin', client: @s3)
                     .upload_file(File.join(dir, 'b'), multipart_threshold: 5 * MIB)
      first = 5 * MIB - 100
      r = @s3.get_object(bucket: @bucket, key: 'range-mp.bin', range: "bytes=#{first}-#{10 * MIB + 99}")
      assert_equal Digest::SHA256.hexdigest(big.byteslice(first, 5 * MIB + 200)),
                   Digest::SHA256.hexdigest(r.body.read)
    end
  end

  # --- presigned URLs ------------------------------------------------------

  def http(uri, request)
    Net::HTTP.start(uri.host, uri.port, open_timeout: 5, read_timeout: 60) { |h| h.request(request) }
  end

  def test_presigned_get_and_put
    presigner = Aws::S3::Presigner.new(client: @s3)
    body = SecureRandom.random_bytes(70_000)
    @s3.put_object(bucket: @bucket, key: 'pre/get me.bin', body: body)

    url = presigner.presigned_url(:get_object, bucket: @bucket, key: 'pre/get me.bin', expires_in: 600)
    assert_includes url, 'X-Amz-Signature='
    uri = URI(url)
    res = http(uri, Net::HTTP::Get.new(uri))
    assert_equal '200', res.code, res.body
    assert_equal body.b, res.body.b

    # A presigned GET with a response override and a range header.
    url = presigner.presigned_url(:get_object, bucket: @bucket, key: 'pre/get me.bin',
                                               response_content_disposition: 'attachment; filename="x.bin"')
    uri = URI(url)
    req = Net::HTTP::Get.new(uri)
    req['Range'] = 'bytes=10-19'
    res = http(uri, req)
    assert_equal '206', res.code, res.body
    assert_equal body.byteslice(10, 10), res.body.b
    assert_equal 'attachment; filename="x.bin"', res['Content-Disposition']

    # Tampered signature and a changed key are refused.
    bad = URI(presigner.presigned_url(:get_object, bucket: @bucket, key: 'pre/get me.bin')
                .sub(/X-Amz-Signature=([0-9a-f])/) { "X-Amz-Signature=#{Regexp.last_match(1) == '0' ? '1' : '0'}" })
    res = http(bad, Net::HTTP::Get.new(bad))
    assert_equal '403', res.code
    assert_includes res.body, '<Code>SignatureDoesNotMatch</Code>'
    moved = URI(presigner.presigned_url(:get_object, bucket: @bucket, key: 'pre/get me.bin')
                  .sub('get%20me.bin', 'other.bin'))
    res = http(moved, Net::HTTP::Get.new(moved))
    assert_equal '403', res.code

    # Presigned PUT, with a signed Content-Type.
    put_body = SecureRandom.random_bytes(200_000)
    url = presigner.presigned_url(:put_object, bucket: @bucket, key: 'pre/put.bin',
                                               content_type: 'application/x-presigned', expires_in: 600)
    uri = URI(url)
    req = Net::HTTP::Put.new(uri)
    req['Content-Type'] = 'application/x-presigned'
    req.body = put_body
    res = http(uri, req)
    assert_equal '200', res.code, res.body
    assert_equal %("#{Digest::MD5.hexdigest(put_body)}"), res['ETag']
    head = @s3.head_object(bucket: @bucket, key: 'pre/put.bin')
    assert_equal 'application/x-presigned', head.content_type
    assert_equal put_body.b, read('pre/put.bin').b

    # The same URL with another Content-Type does not match the signature.
    req = Net::HTTP::Put.new(uri)
    req['Content-Type'] = 'text/plain'
    req.body = 'nope'
    res = http(uri, req)
    assert_equal '403', res.code
    assert_equal put_body.b, read('pre/put.bin').b

    # An expired URL is refused.
    url = presigner.presigned_url(:get_object, bucket: @bucket, key: 'pre/get me.bin', expires_in: 1)
    sleep 2.2
    uri = URI(url)
    res = http(uri, Net::HTTP::Get.new(uri))
    assert_equal '403', res.code
    assert_includes res.body, '<Code>AccessDenied</Code>'
  end

  # --- delete --------------------------------------------------------------

  def test_batch_delete
    keys = (1..25).map { |i| format('batch/%03d', i) } + ['batch/sp ace', 'batch/ü&<x>']
    keys.each { |k| @s3.put_object(bucket: @bucket, key: k, body: k) }
    @s3.put_object(bucket: @bucket, key: 'keep', body: 'k')

    first = keys.first(10)
    resp = @s3.delete_objects(bucket: @bucket,
                              delete: { objects: (first + ['batch/never-existed']).map { |k| { key: k } } })
    assert_empty resp.errors
    # S3 reports a missing key as deleted too.
    assert_equal (first + ['batch/never-existed']).sort, resp.deleted.map(&:key).sort

    rest = keys.drop(10)
    resp = @s3.delete_objects(bucket: @bucket, delete: { objects: rest.map { |k| { key: k } }, quiet: true })
    assert_empty resp.errors
    assert_empty resp.deleted, 'quiet mode lists only errors'

    listed = @s3.list_objects_v2(bucket: @bucket).flat_map { |p| p.contents.map(&:key) }
    assert_equal ['keep'], listed

    # Resource-level batch delete.
    b = Aws::S3::Bucket.new(@bucket, client: @s3)
    3.times { |i| @s3.put_object(bucket: @bucket, key: "res/#{i}", body: 'x') }
    b.objects(prefix: 'res/').batch_delete!
    assert_equal ['keep'], b.objects.map(&:key)

    @s3.delete_object(bucket: @bucket, key: 'keep')
    @s3.delete_object(bucket: @bucket, key: 'keep') # deleting a missing key succeeds
    assert_equal 0, @s3.list_objects_v2(bucket: @bucket).key_count
  end

  # --- listing -------------------------------------------------------------

  def test_listing_pagination_and_delimiters
    keys = []
    %w[a b].each { |d| 7.times { |i| keys << "#{d}/#{format('%02d', i)}" } }
    keys += ['c', 'd/e/f', 'd/e/g', 'd/h', 'z z', 'é']
    keys.each { |k| @s3.put_object(bucket: @bucket, key: k, body: 'v') }
    sorted = keys.sort # UTF-8 byte order, as S3 sorts

    # v2, max_keys 4: every key once, in order, over ceil(20/4) pages.
    pages = @s3.list_objects_v2(bucket: @bucket, max_keys: 4).to_a
    assert_equal sorted, pages.flat_map { |p| p.contents.map(&:key) }
    assert_equal 5, pages.size
    assert(pages[0..-2].all?(&:is_truncated))
    refute pages.last.is_truncated
    assert(pages[0..-2].all? { |p| p.next_continuation_token && p.key_count == 4 })
    pages[0].contents.each do |o|
      assert_equal 1, o.size
      assert_equal %("#{Digest::MD5.hexdigest('v')}"), o.etag
      assert_equal 'STANDARD', o.storage_class
    end

    # Delimiter at the top: prefixes and the loose keys.
    r = @s3.list_objects_v2(bucket: @bucket, delimiter: '/')
    assert_equal %w[a/ b/ d/], r.common_prefixes.map(&:prefix)
    assert_equal ['c', 'z z', 'é'], r.contents.map(&:key)
    assert_equal 6, r.key_count

    # Delimiter with pagination: prefixes count toward max_keys and are not repeated.
    pages = @s3.list_objects_v2(bucket: @bucket, delimiter: '/', max_keys: 2).to_a
    assert_equal %w[a/ b/ d/], pages.flat_map { |p| p.common_prefixes.map(&:prefix) }
    assert_equal ['c', 'z z', 'é'], pages.flat_map { |p| p.contents.map(&:key) }
    assert_equal 3, pages.size

    # Prefix plus delimiter.
    r = @s3.list_objects_v2(bucket: @bucket, prefix: 'd/', delimiter: '/')
    assert_equal ['d/e/'], r.common_prefixes.map(&:prefix)
    assert_equal ['d/h'], r.contents.map(&:key)

    # start_after.
    r = @s3.list_objects_v2(bucket: @bucket, start_after: 'b/05')
    assert_equal sorted.select { |k| k > 'b/05' }, r.contents.map(&:key)

    # v1 with markers.
    pages = @s3.list_objects(bucket: @bucket, max_keys: 3).to_a
    assert_equal sorted, pages.flat_map { |p| p.contents.map(&:key) }
    assert_equal 7, pages.size
    r = @s3.list_objects(bucket: @bucket, delimiter: '/', marker: 'a/06')
    assert_equal %w[b/ d/], r.common_prefixes.map(&:prefix)

    # URL encoding of listed keys, asked for explicitly: the SDK leaves them
    # encoded (list_objects asks for it on its own and decodes them).
    r = @s3.list_objects_v2(bucket: @bucket, prefix: 'z', encoding_type: 'url')
    assert_equal ['z%20z'], r.contents.map(&:key)
    r = @s3.list_objects_v2(bucket: @bucket, start_after: 'z', encoding_type: 'url')
    assert_equal ['z%20z', '%C3%A9'], r.contents.map(&:key)

    # The resource API pages on its own.
    assert_equal sorted, Aws::S3::Bucket.new(@bucket, client: @s3).objects.map(&:key)

    # Bucket listing includes ours.
    assert_includes @s3.list_buckets.buckets.map(&:name), @bucket
  end

  # --- checksums -----------------------------------------------------------

  def test_flexible_checksums
    data = SecureRandom.random_bytes(300_001)
    sdk_algorithms = Aws::Plugins::ChecksumAlgorithm::CLIENT_ALGORITHMS
    %w[CRC32 CRC32C SHA1 SHA256].each do |algo|
      key = "sum/#{algo}"
      member = :"checksum_#{algo.downcase}"
      expected = Silo.checksum(algo, data)
      params = { bucket: @bucket, key: key, body: data }
      if sdk_algorithms.include?(algo)
        params[:checksum_algorithm] = algo # the SDK computes the header
      else
        params[member] = expected # CRC32C without aws-crt: send it ourselves
      end
      put = @s3.put_object(**params)
      assert_equal expected, put.public_send(member), "#{algo}: PutObject response"

      head = @s3.head_object(bucket: @bucket, key: key, checksum_mode: 'ENABLED')
      assert_equal expected, head.public_send(member), "#{algo}: HeadObject with checksum mode"
      get = @s3.get_object(bucket: @bucket, key: key, checksum_mode: 'ENABLED')
      assert_equal expected, get.public_send(member), "#{algo}: GetObject with checksum mode"
      assert_equal data.b, get.body.read.b
      if sdk_algorithms.include?(algo)
        assert_equal algo, get.context[:http_checksum][:validated], "#{algo}: SDK validated the body"
      end

      # Without checksum mode no checksum is returned.
      assert_nil @s3.head_object(bucket: @bucket, key: key).public_send(member)

      # A wrong checksum is refused and nothing is stored.
      wrong = Silo.checksum(algo, data + 'x')
      assert_s3_error('BadDigest', 400) do
        @s3.put_object(bucket: @bucket, key: "#{key}-bad", body: data, member => wrong)
      end
      assert_raises(Aws::S3::Errors::NotFound) { @s3.head_object(bucket: @bucket, key: "#{key}-bad") }
    end

    # Content-MD5 works alongside.
    @s3.put_object(bucket: @bucket, key: 'sum/md5', body: data,
                   content_md5: Digest::MD5.base64digest(data))
    assert_s3_error('BadDigest', 400) do
      @s3.put_object(bucket: @bucket, key: 'sum/md5-bad', body: data,
                     content_md5: Digest::MD5.base64digest(data + 'x'))
    end
  end

  def test_multipart_upload_with_checksums
    Dir.mktmpdir do |dir|
      data = SecureRandom.random_bytes(11 * MIB)
      path = File.join(dir, 'f')
      File.binwrite(path, data)
      %w[CRC32 SHA256].each do |algo|
        key = "mpsum/#{algo}"
        Aws::S3::Object.new(@bucket, key, client: @s3)
                       .upload_file(path, multipart_threshold: 5 * MIB, checksum_algorithm: algo)
        # S3's composite checksum: the checksum of the parts' raw checksums, "-N".
        parts = (0...data.bytesize).step(5 * MIB).map { |o| data.byteslice(o, 5 * MIB) }
        raw = parts.map { |p| Base64.strict_decode64(Silo.checksum(algo, p)) }.join
        expected = "#{Silo.checksum(algo, raw)}-#{parts.size}"
        head = @s3.head_object(bucket: @bucket, key: key, checksum_mode: 'ENABLED')
        assert_equal expected, head.public_send(:"checksum_#{algo.downcase}"), "#{algo} composite checksum"
        assert_equal Digest::SHA256.hexdigest(data), Digest::SHA256.hexdigest(read(key))
      end
    end
  end

  # --- regions -------------------------------------------------------------

  def test_default_bucket_location_is_us_east_1
    # S3 reports us-east-1 as an empty LocationConstraint.
    loc = @s3.get_bucket_location(bucket: @bucket).location_constraint
    assert_includes ['', nil], loc
  end

  def test_client_in_eu_west_1
    eu = Silo.client(region: 'eu-west-1')
    bucket = make_bucket(eu, create_bucket_configuration: { location_constraint: 'eu-west-1' })
    assert_equal 'eu-west-1', eu.get_bucket_location(bucket: bucket).location_constraint
    assert_equal 'eu-west-1', @s3.get_bucket_location(bucket: bucket).location_constraint

    data = SecureRandom.random_bytes(1_000_000)
    eu.put_object(bucket: bucket, key: 'eu/obj', body: data, metadata: { 'where' => 'eu' },
                  checksum_algorithm: 'SHA256')
    head = eu.head_object(bucket: bucket, key: 'eu/obj', checksum_mode: 'ENABLED')
    assert_equal({ 'where' => 'eu' }, head.metadata)
    assert_equal Digest::SHA256.base64digest(data), head.checksum_sha256
    assert_equal data.b, read('eu/obj', bucket: bucket, client: eu).b
    assert_equal data.byteslice(10, 5).b, read('eu/obj', bucket: bucket, client: eu, range: 'bytes=10-14')
    assert_equal ['eu/obj'], eu.list_objects_v2(bucket: bucket).contents.map(&:key)

    # Multipart through the eu-west-1 client.
    Dir.mktmpdir do |dir|
      big = SecureRandom.random_bytes(6 * MIB)
      File.binwrite(File.join(dir, 'b'), big)
      Aws::S3::Object.new(bucket, 'eu/big', client: eu)
                     .upload_file(File.join(dir, 'b'), multipart_threshold: 5 * MIB)
      assert_equal Silo.multipart_etag(big, 5 * MIB), eu.head_object(bucket: bucket, key: 'eu/big').etag
    end

    # A presigned URL signed for eu-west-1.
    url = Aws::S3::Presigner.new(client: eu).presigned_url(:get_object, bucket: bucket, key: 'eu/obj')
    assert_includes url, '%2Feu-west-1%2Fs3%2Faws4_request'
    uri = URI(url)
    res = http(uri, Net::HTTP::Get.new(uri))
    assert_equal '200', res.code, res.body
    assert_equal data.b, res.body.b

    resp = eu.delete_objects(bucket: bucket, delete: { objects: [{ key: 'eu/obj' }, { key: 'eu/big' }] })
    assert_empty resp.errors
    assert_equal 0, eu.list_objects_v2(bucket: bucket).key_count

    # A bucket made by the eu-west-1 client without a configuration: the
    # SDK fills in its own region as the location constraint.
    implicit = make_bucket(eu)
    assert_equal 'eu-west-1', eu.get_bucket_location(bucket: implicit).location_constraint
  end
end
