"""Emoji names reactions.add accepts (Slack rejects unknown ones with invalid_name).

A curated list of standard names; add workspace custom emoji with
``Sandbox.custom_emoji.add(name)``.
"""

STANDARD_EMOJI = frozenset("""
+1 -1 thumbsup thumbsdown ok_hand clap raised_hands pray wave muscle point_up point_down
point_left point_right fist punch v crossed_fingers handshake writing_hand eyes eye
white_check_mark heavy_check_mark ballot_box_with_check x heavy_multiplication_x
negative_squared_cross_mark warning rotating_light fire boom zap sparkles star star2 dizzy
rocket tada confetti_ball balloon gift trophy medal sports_medal first_place_medal
heart yellow_heart green_heart blue_heart purple_heart black_heart white_heart orange_heart
broken_heart heartbeat heartpulse two_hearts sparkling_heart
smile smiley grinning grin laughing joy rofl sweat_smile slightly_smiling_face
upside_down_face wink blush innocent relaxed yum relieved heart_eyes kissing_heart
thinking_face thinking neutral_face expressionless no_mouth smirk unamused face_with_rolling_eyes
grimacing lying_face sleeping sleepy mask nauseated_face sneezing_face dizzy_face
sunglasses nerd_face confused worried slightly_frowning_face frowning open_mouth hushed
astonished flushed pleading_face cry sob scream fearful cold_sweat disappointed sweat weary
tired_face triumph rage angry skull skull_and_crossbones ghost alien robot_face
see_no_evil hear_no_evil speak_no_evil facepalm shrug man-shrugging woman-shrugging
hourglass hourglass_flowing_sand stopwatch alarm_clock timer_clock clock1 clock2 clock3
watch calendar date spiral_calendar_pad memo pencil pencil2 page_facing_up clipboard
pushpin round_pushpin paperclip link lock unlock key bell no_bell loudspeaker mega
speech_balloon thought_balloon mag mag_right bulb flashlight wrench hammer hammer_and_wrench
gear nut_and_bolt tools shield bomb hocho scissors package inbox_tray outbox_tray
email envelope incoming_envelope e-mail mailbox phone telephone_receiver iphone computer
desktop_computer keyboard printer floppy_disk cd dvd chart_with_upwards_trend
chart_with_downwards_trend bar_chart books book bookmark label moneybag dollar
red_circle large_orange_circle large_yellow_circle large_green_circle large_blue_circle
large_purple_circle black_circle white_circle orange_circle yellow_circle green_circle
blue_circle purple_circle brown_circle red_square orange_square yellow_square green_square
blue_square white_large_square black_large_square
arrow_up arrow_down arrow_left arrow_right arrow_forward arrow_backward arrows_counterclockwise
repeat recycle up new free cool ok sos information_source question grey_question exclamation
grey_exclamation heavy_exclamation_mark bangbang interrobang no_entry no_entry_sign
stop_sign construction checkered_flag triangular_flag_on_post flag-us vertical_traffic_light
traffic_light ambulance fire_engine police_car rotating_light sos beetle bug ant snail
turtle snake dragon unicorn_face dog cat mouse rabbit fox_face bear panda_face koala
tiger lion_face cow pig frog monkey_face chicken penguin bird owl fish whale dolphin
octopus shark crab sunny cloud umbrella snowflake rainbow ocean volcano earth_americas
coffee tea beer beers wine_glass cocktail pizza hamburger fries taco cake birthday cookie
doughnut apple green_apple banana lemon watermelon grapes strawberry cherries peach
100 1234 one two three four five six seven eight nine keycap_ten zero hash
white_circle radio_button large_blue_diamond small_orange_diamond small_blue_diamond
heavy_plus_sign heavy_minus_sign heavy_division_sign heavy_dollar_sign
pager satellite_antenna test_tube microscope telescope fire_extinguisher firefighter
""".split())
