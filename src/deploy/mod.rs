//! `assetpress deploy OUT TARGET`: uploads a built output to an object store
//! or a folder, each object with the headers `headers.json` gives, hashed
//! files before anything that names them and pages last; hashed objects the
//! target has already are skipped. `assetpress clean TARGET` removes the
//! hashed objects that no recent deploy needs any more.

pub mod clean;
pub mod history;
pub mod plan;

use std::path::Path;
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use object_store::{
    Attribute, Attributes, ObjectStore, PutMultipartOptions, PutOptions, PutPayload, WriteMultipart,
};
use serde::Serialize;

use crate::emit::headers::Class;
use crate::error::{Diagnostic, Error, Result};
use crate::pipeline::Progress;
use crate::store::{StoreOptions, Target};
use plan::Object;

/// Files at least this large go up in parts, so memory stays bounded.
const MULTIPART_FROM: u64 = 64 << 20;
const PART_SIZE: usize = 16 << 20;

/// How to deploy.
#[derive(Debug, Clone)]
pub struct Options {
    /// Path of the manifest inside the output.
    pub manifest: String,
    /// Uploads at once.
    pub jobs: usize,
    /// Only tell what would be done.
    pub dry_run: bool,
    /// How to reach the target.
    pub store: StoreOptions,
}

/// One object's fate, in the order the deploy settled them.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Path under the target.
    pub key: String,
    /// The stage it went up in.
    pub stage: usize,
    /// `upload`, or `skip` (a hashed object the target has).
    pub action: &'static str,
    /// Its class.
    pub class: Class,
    /// Its size in bytes.
    pub size: u64,
}

/// What a deploy did.
#[derive(Debug, Clone, Serialize)]
pub struct Deployed {
    /// The target, as given.
    pub target: String,
    /// Nothing was written.
    pub dry_run: bool,
    /// Objects in the output.
    pub objects: usize,
    /// Objects uploaded (or that would be).
    pub uploaded: usize,
    /// Hashed objects the target had already.
    pub skipped: usize,
    /// Bytes uploaded.
    pub bytes: u64,
    /// Stages, each complete before the next began.
    pub stages: usize,
    /// Wall time.
    pub time_ms: f64,
    /// The history record of this version under the target.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Files the manifest does not account for.
    pub warnings: Vec<Diagnostic>,
    /// Every object, in the order each was settled.
    pub steps: Vec<Step>,
}

/// Deploys the output `out` to `target`.
pub fn deploy(
    out: &Path,
    target: &str,
    options: &Options,
    progress: &dyn Progress,
) -> Result<Deployed> {
    let start = Instant::now();
    if !out.is_dir() {
        return Err(Error::Config(format!(
            "{}: not a folder (give the output of assetpress build)",
            out.display()
        )));
    }
    let (manifest, manifest_bytes) = crate::emit::manifest::read(&out.join(&options.manifest))?;
    let plan = plan::plan(out, &manifest)?;
    let target = crate::store::open(target, &options.store, !options.dry_run)?;
    let runtime = crate::store::runtime()?;
    runtime.block_on(async {
        let existing = target.list("").await?;
        let record = if options.dry_run {
            None
        } else {
            let (hashed, kept): (Vec<&Object>, Vec<&Object>) =
                plan.objects.iter().partition(|o| o.class == Class::Hashed);
            let names = |v: Vec<&Object>| {
                let mut v: Vec<String> = v.into_iter().map(|o| o.rel.clone()).collect();
                v.sort();
                v
            };
            let record =
                history::Record::new(manifest, &manifest_bytes, names(hashed), names(kept));
            Some(history::add(&target, &record, &history::records(&existing)).await?)
        };
        let stages = plan.objects.last().map_or(0, |o| o.stage + 1);
        progress.stage("deploy", plan.objects.len() as u64);
        let mut steps = Vec::with_capacity(plan.objects.len());
        for stage in 0..stages {
            let objects = plan.objects.iter().filter(|o| o.stage == stage);
            // The stream yields each object as it is settled.
            let settled: Vec<Step> = futures::stream::iter(objects)
                .map(|o| {
                    let (target, existing) = (&target, &existing);
                    async move {
                        let skip = o.class == Class::Hashed
                            && existing.get(&o.rel).is_some_and(|s| s.size == o.size);
                        if !skip && !options.dry_run {
                            upload(target, out, o).await?;
                        }
                        progress.inc();
                        Ok::<Step, Error>(Step {
                            key: o.rel.clone(),
                            stage,
                            action: if skip { "skip" } else { "upload" },
                            class: o.class,
                            size: o.size,
                        })
                    }
                })
                .buffer_unordered(options.jobs.max(1))
                .try_collect()
                .await?;
            steps.extend(settled);
        }
        progress.finish();
        let uploaded: Vec<&Step> = steps.iter().filter(|s| s.action == "upload").collect();
        let bytes = uploaded.iter().map(|s| s.size).sum();
        Ok(Deployed {
            target: target.name.clone(),
            dry_run: options.dry_run,
            objects: plan.objects.len(),
            uploaded: uploaded.len(),
            skipped: steps.len() - uploaded.len(),
            bytes,
            stages,
            time_ms: start.elapsed().as_secs_f64() * 1000.0,
            record,
            warnings: plan.warnings,
            steps,
        })
    })
}

/// Stores one object with its headers (a folder stores no headers).
async fn upload(target: &Target, out: &Path, o: &Object) -> Result<()> {
    let key = target.key(&o.rel)?;
    let mut attributes = Attributes::new();
    if !target.local {
        attributes.insert(Attribute::ContentType, o.content_type.clone().into());
        attributes.insert(Attribute::CacheControl, o.cache_control.clone().into());
        if let Some(e) = o.content_encoding {
            attributes.insert(Attribute::ContentEncoding, e.into());
        }
    }
    let path = out.join(&o.rel);
    let failed = |e: object_store::Error| target.error(format!("{}: {e}", o.rel));
    if o.size < MULTIPART_FROM {
        let bytes = tokio::task::spawn_blocking({
            let path = path.clone();
            move || std::fs::read(&path)
        })
        .await
        .map_err(|e| target.error(e))?
        .map_err(|e| Error::io(&path, e))?;
        let opts = PutOptions {
            attributes,
            ..Default::default()
        };
        target
            .store
            .put_opts(&key, PutPayload::from(bytes), opts)
            .await
            .map_err(failed)?;
        return Ok(());
    }
    let opts = PutMultipartOptions {
        attributes,
        ..Default::default()
    };
    let upload = target
        .store
        .put_multipart_opts(&key, opts)
        .await
        .map_err(failed)?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
    let mut file = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
    let mut buf = vec![0u8; PART_SIZE];
    loop {
        let n = std::io::Read::read(&mut file, &mut buf).map_err(|e| Error::io(&path, e))?;
        if n == 0 {
            break;
        }
        writer.wait_for_capacity(2).await.map_err(failed)?;
        writer.write(&buf[..n]);
    }
    writer.finish().await.map_err(failed)?;
    Ok(())
}

/// The text a person reads after a deploy: with `--dry-run`, every object
/// in order with its headers.
pub fn summary(d: &Deployed) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    if d.dry_run {
        for step in &d.steps {
            let _ = writeln!(
                s,
                "stage {:>2}  {:<6}  {:<6}  {}",
                step.stage,
                step.action,
                format!("{:?}", step.class).to_lowercase(),
                step.key
            );
        }
    }
    let verb = if d.dry_run {
        "would deploy"
    } else {
        "deployed"
    };
    let _ = writeln!(
        s,
        "{verb} {} objects to {}: {} uploaded ({}), {} hashed already there, in {} stages, {:.1} s",
        d.objects,
        d.target,
        d.uploaded,
        crate::units::human(d.bytes),
        d.skipped,
        d.stages,
        d.time_ms / 1000.0
    );
    if let Some(r) = &d.record {
        let _ = writeln!(s, "history: {r}");
    }
    s
}
