"""The Song Map contract: model, schema, reading and writing."""

from performia.songmap.io import dump_song_map, load_song_map, parse_song_map, write_song_map
from performia.songmap.model import SCHEMA_VERSION, SongMap

__all__ = [
    "SCHEMA_VERSION",
    "SongMap",
    "dump_song_map",
    "load_song_map",
    "parse_song_map",
    "write_song_map",
]
