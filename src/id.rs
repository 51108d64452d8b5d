//! The numbers the stages pass each other instead of paths.
//!
//! - [`FileId`]: an input file, by its position in the sorted walk
//!   (`discover`'s contract). Per-file tables are `Vec`s indexed by it.
//! - [`Node`]: what a placeholder stands for, and one row of the hash
//!   stage's table: an input file, or an image variant. Nodes number the
//!   input files first (node `i` is file `i`), then the variants in the
//!   order the transform stage listed them.
//!
//! Both index `Vec`s and slices directly (`edges[id]`), so a table keyed by
//! one kind of id cannot be read with the other by accident.

use std::ops::{Index, IndexMut};

/// An input file: its position in the sorted walk.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct FileId(u32);

impl FileId {
    /// The file at `index` of the walk.
    pub fn new(index: usize) -> FileId {
        FileId(u32::try_from(index).expect("more than 2³² input files"))
    }

    /// Its position in the walk.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The ids of `n` files, in walk order.
    pub fn all(n: usize) -> impl Iterator<Item = FileId> + Clone {
        (0..n).map(FileId::new)
    }
}

/// An input file or an image variant, as numbered by placeholders and the
/// hash stage: input files first, then variants.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Node(u32);

impl Node {
    /// The node at `index` (a decoded placeholder).
    pub fn new(index: usize) -> Node {
        Node(u32::try_from(index).expect("more than 2³² nodes"))
    }

    /// The node of an input file.
    pub fn file(id: FileId) -> Node {
        Node(id.0)
    }

    /// The node of variant `k` of the run's list, after `files` input files.
    pub fn variant(files: usize, k: usize) -> Node {
        Node::new(files + k)
    }

    /// Its number.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The input file it is, when it is one of the first `files` nodes.
    pub fn as_file(self, files: usize) -> Option<FileId> {
        (self.index() < files).then_some(FileId(self.0))
    }
}

impl From<FileId> for Node {
    fn from(id: FileId) -> Node {
        Node::file(id)
    }
}

macro_rules! indexes {
    ($id:ty) => {
        impl<T> Index<$id> for [T] {
            type Output = T;
            fn index(&self, id: $id) -> &T {
                &self[id.index()]
            }
        }
        impl<T> IndexMut<$id> for [T] {
            fn index_mut(&mut self, id: $id) -> &mut T {
                &mut self[id.index()]
            }
        }
        impl<T> Index<$id> for Vec<T> {
            type Output = T;
            fn index(&self, id: $id) -> &T {
                &self[id.index()]
            }
        }
        impl<T> IndexMut<$id> for Vec<T> {
            fn index_mut(&mut self, id: $id) -> &mut T {
                &mut self[id.index()]
            }
        }
    };
}
indexes!(FileId);
indexes!(Node);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_the_node_of_its_own_number_and_variants_follow_the_files() {
        let f = FileId::new(3);
        assert_eq!(Node::from(f).index(), 3);
        assert_eq!(Node::from(f).as_file(5), Some(f));
        assert_eq!(Node::variant(5, 0).index(), 5);
        assert_eq!(Node::variant(5, 0).as_file(5), None);
        let table = ["a", "b", "c", "d"];
        assert_eq!(table[f], "d");
        assert_eq!(table[Node::new(1)], "b");
    }
}
