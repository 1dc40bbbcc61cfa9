//! tfplugin
