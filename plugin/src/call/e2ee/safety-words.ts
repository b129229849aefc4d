/**
 * The 256 words of the safety code, one per byte value. Fixed: changing the list changes every
 * code, so both browsers of a call must run the same list. Short, concrete, easy to say aloud and
 * hard to mishear for one another.
 */
export const SAFETY_WORDS: readonly string[] = Object.freeze([
  'acorn', 'album', 'alley', 'amber', 'anchor', 'angle', 'ankle', 'apple', 'apron', 'arena', 'arrow', 'atlas', 'attic', 'autumn', 'avocado',
  'bacon', 'badge', 'bagel', 'bakery', 'balcony', 'ballet', 'bamboo', 'banana', 'banjo', 'barrel', 'basket', 'beacon', 'beaver', 'beetle',
  'bench', 'bicycle', 'biscuit', 'blanket', 'blossom', 'bonnet', 'bottle', 'boulder', 'breeze', 'bridge', 'bucket', 'buffalo', 'bundle',
  'butter', 'cabin', 'cactus', 'camera', 'canal', 'candle', 'canoe', 'canvas', 'canyon', 'carpet', 'carrot', 'castle', 'cattle', 'cedar',
  'cellar', 'chalk', 'chapel', 'cherry', 'chimney', 'chorus', 'cider', 'circus', 'citrus', 'clover', 'cobalt', 'coconut', 'coffee',
  'comet', 'compass', 'copper', 'cotton', 'coyote', 'crater', 'crayon', 'cricket', 'crystal', 'curtain', 'cushion', 'daisy', 'denim',
  'desert', 'diamond', 'dolphin', 'domino', 'donkey', 'dragon', 'drawer', 'eagle', 'easel', 'echo', 'eclipse', 'elbow', 'ember', 'emerald',
  'falcon', 'feather', 'fiddle', 'flannel', 'flute', 'forest', 'fossil', 'fox', 'garden', 'garlic', 'garnet', 'gazelle', 'ginger',
  'glacier', 'goblet', 'gondola', 'gopher', 'granite', 'grape', 'gravel', 'guitar', 'hammer', 'harbor', 'harvest', 'hazel', 'helmet',
  'heron', 'hickory', 'honey', 'horizon', 'igloo', 'island', 'ivory', 'jacket', 'jaguar', 'jasmine', 'jelly', 'jigsaw', 'jungle', 'kayak',
  'kettle', 'kiwi', 'koala', 'ladder', 'lagoon', 'lantern', 'lemon', 'lettuce', 'lilac', 'linen', 'lizard', 'lobster', 'locket', 'lotus',
  'lumber', 'magnet', 'mango', 'maple', 'marble', 'meadow', 'melon', 'mirror', 'mitten', 'monkey', 'mosaic', 'muffin', 'napkin', 'nectar',
  'needle', 'nickel', 'noodle', 'nutmeg', 'oasis', 'oatmeal', 'ocean', 'octopus', 'olive', 'onion', 'orange', 'orchid', 'otter', 'oyster',
  'paddle', 'palace', 'panda', 'panther', 'parrot', 'pasta', 'peach', 'peanut', 'pebble', 'pelican', 'pencil', 'pepper', 'piano', 'pickle',
  'pigeon', 'pillow', 'pilot', 'pine', 'planet', 'pocket', 'poodle', 'popcorn', 'potato', 'pretzel', 'pumpkin', 'puzzle', 'quartz',
  'quilt', 'rabbit', 'raccoon', 'raisin', 'raven', 'ribbon', 'river', 'robot', 'rocket', 'saddle', 'salmon', 'sandal', 'satin', 'saucer',
  'scarf', 'shovel', 'silver', 'skate', 'sled', 'sparrow', 'spider', 'spinach', 'sponge', 'statue', 'sugar', 'summit', 'sunset', 'swan',
  'teapot', 'tennis', 'thistle', 'thunder', 'tiger', 'timber', 'toast', 'tomato', 'trumpet', 'tulip', 'tunnel', 'turtle', 'unicorn',
  'valley', 'velvet', 'violin', 'volcano', 'wagon', 'walnut', 'walrus', 'yogurt', 'zebra', 'zipper',
]);
