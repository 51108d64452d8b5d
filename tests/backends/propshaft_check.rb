# Reads an assetpress output the way Rails' Propshaft does, with Propshaft's
# own logic copied from its source (RubyGems is not reachable here):
#
# - Propshaft::Manifest.from_path (lib/propshaft/manifest.rb, 1.3 and main):
#   a value is a digested path (1.0, 1.1) or an object with digested_path,
#   integrity and app (1.2 and later; app from main);
# - Propshaft::Resolver::Static#resolve: File.join(prefix, digested_path);
# - Propshaft::OutputPath#clean(count, age) with
#   Propshaft::Asset.extract_path_and_digest, which groups the files of the
#   output folder by logical path and removes old versions.
#
# usage: ruby propshaft_check.rb OUT COUNT AGE
# Prints JSON: every manifest entry resolved, every file of OUT with the
# logical path and digest Propshaft reads off its name, and what clean(COUNT,
# AGE) would remove.
require "json"
require "find"

out, count, age = ARGV[0], Integer(ARGV[1]), Float(ARGV[2])

ManifestEntry = Struct.new(:logical_path, :digested_path, :integrity, :app)

def load_manifest(path)
  JSON.parse(File.read(path)).to_h do |key, value|
    digested_path, integrity, app = if value.is_a?(String)
      [value, nil, nil]
    else
      [value["digested_path"], value["integrity"], value["app"]]
    end
    [key, ManifestEntry.new(key, digested_path, integrity, app)]
  end
end

# lib/propshaft/asset.rb
def extract_path_and_digest(digested_path)
  digest = digested_path[/-([0-9a-zA-Z]{7,128})\.(?!digested)([^.]|.map)+\z/, 1]
  path = digest ? digested_path.sub("-#{digest}", "") : digested_path
  [path, digest]
end

manifest = load_manifest(File.join(out, ".manifest.json"))
resolved = manifest.to_h { |k, e| [k, File.join("/assets", e.digested_path)] }

files = {}
Find.find(out) do |f|
  next unless File.file?(f)
  rel = f.delete_prefix("#{out}/")
  next if rel.start_with?(".manifest.json")
  logical, digest = extract_path_and_digest(rel)
  files[rel] = { "logical_path" => logical, "digest" => digest, "mtime" => File.mtime(f).to_f }
end

# lib/propshaft/output_path.rb, clean: per logical path, keep the current
# version, the newest COUNT, and those younger than AGE seconds.
removed = []
now = Time.now.to_f
files.group_by { |_, a| a["logical_path"] }.each do |logical, versions|
  current = manifest[logical]&.digested_path
  versions
    .reject { |path, _| current && path == current }
    .sort_by { |_, a| a["mtime"] }.reverse
    .each_with_index
    .drop_while { |(_, a), index| [0, now - a["mtime"]].max < age || index < count }
    .each { |(path, _), _| removed << path }
end

puts JSON.pretty_generate({
  "entries" => manifest.transform_values(&:to_h),
  "resolved" => resolved,
  "files" => files,
  "removed" => removed.sort,
})
