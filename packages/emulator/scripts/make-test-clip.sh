#!/usr/bin/env bash
# Makes the emulator's media, committed so nothing else needs ffmpeg:
#
# - src/media/assets/test-card.mpegts, the clip the emulator loops for live streams, HLS
#   segments and `.ts` VOD files: 4 s of a moving test pattern with the clip's own time
#   drawn on it (0 to 3.96 s, so looped it starts again at 0 every 4 s) and a 440 Hz
#   tone, H.264 (baseline, no B-frames, an IDR every second) + AAC in MPEG-TS.
#
# Run once with Debian's ffmpeg (`apt-get install -y ffmpeg`); the output is committed so
# nothing else needs ffmpeg. The numbers are chosen so the clip loops seamlessly:
# 100 video frames at 25 fps and 125 AAC frames of 1024 samples at 32 kHz both last
# exactly 4.000 s (the tone is 3.968 s long because the AAC encoder adds one priming
# frame), so adding 4 s to every PTS/DTS/PCR per loop keeps time continuous. `-muxrate`
# makes the file constant-rate (null-packet padded), so bytes map linearly to time.
set -euo pipefail
cd "$(dirname "$0")/.."
out=src/media/assets/test-card.mpegts # not .ts, which TypeScript would take for a source file
font=$(fc-match -f '%{file}' 'DejaVu Sans Mono' 2>/dev/null || true)
video='testsrc2=size=320x180:rate=25:duration=4'
if [ -n "$font" ] && [ -f "$font" ]; then
  video+=",drawtext=fontfile=${font}:fontsize=18:fontcolor=white:box=1:boxcolor=black@0.6:x=(w-tw)/2:y=h-th-12:text='ace-rx %{pts\\:hms}'"
fi
ffmpeg -hide_banner -loglevel warning -y \
  -f lavfi -i "$video" \
  -f lavfi -i 'sine=frequency=440:sample_rate=32000:duration=3.968' \
  -c:v libx264 -profile:v baseline -pix_fmt yuv420p -bf 0 -g 25 -keyint_min 25 -sc_threshold 0 \
  -b:v 200k -maxrate 200k -bufsize 400k \
  -c:a aac -b:a 48k -ac 1 \
  -f mpegts -muxrate 400k -mpegts_flags +resend_headers -flush_packets 0 \
  "$out"

# The films: 8 s of the same pattern with a clock that rises from 0:00:00 to 0:00:07 and a
# 660 Hz tone, encoded once and copied (no re-encoding) into the three containers VOD
# files of the catalogue are named with. The emulator pads each to its catalogue size
# (src/media/vod.ts): MP4 inside the mdat, Matroska with an EBML Void element.
#   film.mp4              faststart: ftyp, moov, free, mdat (what a streaming-friendly encoder writes)
#   film-moov-at-end.mp4  ftyp, free, mdat, moov: the index last, as many torrents' files have it
#   film.mkv              Matroska, as ffmpeg writes it (SeekHead, Info, Tracks, Clusters, Cues)
film_video='testsrc2=size=320x180:rate=25:duration=8'
if [ -n "$font" ] && [ -f "$font" ]; then
  film_video+=",drawtext=fontfile=${font}:fontsize=18:fontcolor=white:box=1:boxcolor=black@0.6:x=(w-tw)/2:y=h-th-12:text='ace-rx film %{pts\\:hms}'"
fi
assets=src/media/assets
ffmpeg -hide_banner -loglevel warning -y \
  -f lavfi -i "$film_video" \
  -f lavfi -i 'sine=frequency=660:sample_rate=32000:duration=8' \
  -c:v libx264 -profile:v baseline -pix_fmt yuv420p -bf 0 -g 25 -keyint_min 25 -sc_threshold 0 \
  -b:v 120k -maxrate 120k -bufsize 240k \
  -c:a aac -b:a 32k -ac 1 \
  -map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact \
  -movflags +faststart "$assets/film.mp4"
ffmpeg -hide_banner -loglevel warning -y -i "$assets/film.mp4" -c copy -map_metadata -1 -fflags +bitexact "$assets/film-moov-at-end.mp4"
ffmpeg -hide_banner -loglevel warning -y -i "$assets/film.mp4" -c copy -map_metadata -1 -fflags +bitexact "$assets/film.mkv"
ls -l "$out" "$assets"/film*
